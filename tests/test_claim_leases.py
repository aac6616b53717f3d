"""Claims are leases (outbound/claim_leases.py): a sender held up behind the pace or in a long call is never doubled
by another, a dead sender's claims are taken over once its lease has run out, and a job of a lapsed batch neither
sends nor settles what was claimed again meanwhile."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound import claim_leases
from wagtail_whatsapp.outbound import delivery_claims as claims
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import start_broadcast

pytestmark = pytest.mark.django_db

GRACE = 1  # the shortest grace a town might set: the lease still protects a live sender
OTHER = "f" * claim_leases.OWNER_LENGTH  # another sender's owner id


@pytest.fixture
def grace(settings):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "DELIVERY_STATUS_GRACE_SECONDS": GRACE}


@pytest.fixture
def broadcast(site):
    subscribers(site, 4, in_window=4)
    broadcast = start_broadcast(news_page(site))
    claims.fan_out(broadcast)
    Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.SENDING)
    return broadcast


def age(broadcast, seconds):
    Delivery.objects.filter(broadcast=broadcast).update(claimed_at=timezone.now() - timedelta(seconds=seconds))


def claimed_ago(broadcast, token, seconds):
    claimed = claims.claim(broadcast.pk, token, 10)
    age(broadcast, seconds)
    return [pk for pk, _attempts in claimed]


def statuses(broadcast):
    return sorted(Delivery.objects.filter(broadcast=broadcast).values_list("status", "claim_token"))


def lapsed():
    return claim_leases.lease_seconds() + GRACE + 1


def test_the_lease_outlasts_the_check_and_the_longest_call():
    """Another sender may take a claim over only after a live one's check, its longest call and a margin."""
    assert claim_leases.lease_seconds() == claim_leases.SEND_WITHIN + 5.0 + 30.0 + claim_leases.MARGIN


def test_a_live_senders_claims_are_not_taken_over_after_the_grace_period(broadcast):
    """Claimed 40 s ago, in a call that may last 35 s: the grace (1 s) is past, the lease is not."""
    token = "a" * 32
    claimed_ago(broadcast, token, 40)
    claims.reconcile_in_doubt(broadcast.pk, OTHER, GRACE)
    assert statuses(broadcast) == [("sending", token)] * 4
    assert claims.claim(broadcast.pk, OTHER + "0" * 12, 10) == []


def test_a_dead_senders_claims_are_pending_again_once_its_lease_and_the_grace_have_run_out(broadcast):
    claimed_ago(broadcast, "d" * 32, lapsed())
    claims.reconcile_in_doubt(broadcast.pk, OTHER, GRACE)
    assert statuses(broadcast) == [("pending", "")] * 4


def test_a_timeout_in_doubt_waits_only_for_the_grace_period(broadcast):
    token = "a" * 32
    [first, *_rest] = claimed_ago(broadcast, token, 0)
    claims.keep_in_doubt(first, token)  # the call timed out: it may have reached Meta
    Delivery.objects.filter(pk=first).update(claimed_at=timezone.now() - timedelta(seconds=GRACE + 1))
    claims.reconcile_in_doubt(broadcast.pk, OTHER, GRACE)
    assert Delivery.objects.get(pk=first).status == "pending"
    assert Delivery.objects.exclude(pk=first).filter(status="sending", claim_token=token).count() == 3


def test_a_job_of_a_lapsed_batch_neither_sends_nor_settles_what_its_sender_claimed_again(broadcast):
    """The sender froze past its lease, another took its claims back, then the same sender claimed them again: the
    old batch's jobs, still queued, must leave them to the new batch's."""
    lease = claim_leases.ClaimLease(broadcast.pk)
    old, new = lease.batch_token(), lease.batch_token()
    [first, *_rest] = claimed_ago(broadcast, old, lapsed())
    claims.reconcile_in_doubt(broadcast.pk, OTHER, GRACE)
    claims.claim(broadcast.pk, new, 10)
    assert first not in claims.sendable_many([(first, old)])
    assert not claim_leases.renew_one(first, old)
    claims.retry_later(first, old, 0)
    claims.keep_in_doubt(first, old)
    assert not claims.mark_final(first, old, Delivery.Status.FAILED)
    assert statuses(broadcast) == [("sending", new)] * 4
    assert first in claims.sendable_many([(first, new)])


def test_a_sender_renews_its_claims_while_it_sends(broadcast, test_backend, grace, monkeypatch):
    """Another sender looks for lapsed claims in the middle of the broadcast, long after they were made: it finds
    none, because the sender renewed them on its way."""
    monkeypatch.setattr(claim_leases, "RENEW_EVERY", 0.0)
    taken_over = []

    def another_sender_looks(to, callback_data):
        if len(test_backend.sent) == 1:
            age(broadcast, lapsed())  # a long time passes (renewed on the next message)
        if len(test_backend.sent) == 2:
            claims.reconcile_in_doubt(broadcast.pk, OTHER, GRACE)
            taken_over.append(Delivery.objects.filter(broadcast=broadcast, status="pending").count())

    test_backend.before_send = another_sender_looks
    assert sending.send_broadcast(broadcast.pk)
    assert taken_over == [0]
    assert len(test_backend.sent) == 4 and len(set(test_backend.numbers())) == 4


def test_a_renewal_the_database_refuses_does_not_stop_the_broadcast(broadcast, test_backend, monkeypatch):
    monkeypatch.setattr(claim_leases, "RENEW_EVERY", 0.0)

    def locked(*args):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(claim_leases, "renew", locked)
    assert sending.send_broadcast(broadcast.pk)
    assert len(test_backend.sent) == 4


def held_up(monkeypatch, then=None):
    """Every read right before a call finds the claim older than a sender may call on without renewing it (the
    sender was held up); ``then(pk)`` is what another sender did meanwhile."""
    read = claims.sendable_many
    stale = timezone.now() - timedelta(seconds=claim_leases.SEND_WITHIN + 1)

    def sendable_after_a_hold_up(claimed):
        rows = {pk: (*row[:-1], stale) for pk, row in read(claimed).items()}
        for pk in rows:
            if then:
                then(pk)
        return rows

    monkeypatch.setattr(claims, "sendable_many", sendable_after_a_hold_up)


def test_a_held_up_sender_does_not_send_what_another_took_over(broadcast, test_backend, monkeypatch):
    taken = []

    def another_sender_takes_it(pk):
        Delivery.objects.filter(pk=pk).update(claim_token=OTHER + "0" * 12, claimed_at=timezone.now())
        taken.append(pk)

    renew_one = claim_leases.renew_one

    def renew_or_see_the_other_send_it(pk, token):
        renewed = renew_one(pk, token)
        if not renewed:  # the other sender sends it and Meta's "sent" comes back
            Delivery.objects.filter(pk=pk).update(status=Delivery.Status.SENT, claim_token="", wamid=f"wamid.B{pk}")
        return renewed

    held_up(monkeypatch, then=another_sender_takes_it)
    monkeypatch.setattr(claim_leases, "renew_one", renew_or_see_the_other_send_it)
    assert sending.send_broadcast(broadcast.pk)
    # Each taken over (a slot missed on a busy machine reads its delivery again: counted once).
    assert set(taken) == set(Delivery.objects.filter(broadcast=broadcast).values_list("pk", flat=True))
    assert test_backend.sent == []
    assert statuses(broadcast) == [("sent", "")] * 4


def test_a_held_up_sender_that_still_holds_its_claims_renews_and_sends_them(broadcast, test_backend, monkeypatch):
    held_up(monkeypatch)
    assert sending.send_broadcast(broadcast.pk)
    assert sorted(test_backend.numbers()) == sorted(
        delivery.subscriber.recipient for delivery in Delivery.objects.filter(broadcast=broadcast)
    )
    assert statuses(broadcast) == [("sent", "")] * 4


def first_delivery(argument):
    """The delivery a ``claims`` call is about: its pk, the first of a list of pks or of ``(pk, …)`` entries."""
    while isinstance(argument, (list, tuple)):
        argument = argument[0]
    return argument


def fail_once(monkeypatch, name, failures, times=1):
    """``claims.<name>`` refuses its first ``times`` calls with a DatabaseError (the delivery of the first noted in
    ``failures[name]``)."""
    real = getattr(claims, name)
    refused = []

    def refused_first(deliveries, *args):
        if len(refused) < times:
            failures.setdefault(name, first_delivery(deliveries))
            refused.append(deliveries)
            raise DatabaseError("disk I/O error")
        return real(deliveries, *args)

    monkeypatch.setattr(claims, name, refused_first)


def run_while_its_webhook_comes(broadcast, monkeypatch, pk_of, then=None):
    """Run a sender with a long grace period; while it idles, Meta's "sent" for the delivery ``pk_of()`` comes (as
    ``inbound/statuses.py`` would record it), then ``then()`` happens. Returns the run's result, the ``(status,
    token)`` the delivery was found in, and the sender's owner id."""
    seen = []

    def webhook_arrives(seconds):
        row = Delivery.objects.get(pk=pk_of())
        seen.append((row.status, row.claim_token))
        Delivery.objects.filter(pk=row.pk).update(status=Delivery.Status.SENT, wamid="wamid.LATE")
        if then:
            then()

    monkeypatch.setattr(sending.time, "sleep", webhook_arrives)
    sender = sending.BroadcastSender(broadcast.pk)
    sender.grace = 3600
    return sender.run(), seen, sender.lease.owner


def test_a_sent_message_the_database_refused_to_record_is_recorded_later_not_lost(broadcast, test_backend, monkeypatch):
    """Meta accepted the message, then the database refused to record it: the sender keeps it "sending" under its
    own claim (never pending again: a second message) and records it at its next write."""
    failures = {}
    fail_once(monkeypatch, "mark_sent_many", failures)
    finished, seen, owner = run_while_its_webhook_comes(broadcast, monkeypatch, lambda: failures["mark_sent_many"])
    assert finished
    assert len(test_backend.sent) == 4 and len(set(test_backend.numbers())) == 4
    status, token = seen[0]
    assert status == "sending" and token.startswith(owner)
    recorded = Delivery.objects.get(pk=failures["mark_sent_many"])
    assert (recorded.status, recorded.claim_token, recorded.wamid) == ("sent", "", "wamid.LATE")
    assert Delivery.objects.filter(broadcast=broadcast, status="sent", claim_token="").count() == 4


def test_a_database_fault_before_the_call_sends_nothing_and_costs_no_attempt(broadcast, test_backend, monkeypatch):
    failures = {}
    fail_once(monkeypatch, "sendable_many", failures)
    monkeypatch.setattr(claims, "NOT_SENT_DELAY", 0.0)
    assert sending.send_broadcast(broadcast.pk)
    assert len(test_backend.sent) == 4 and len(set(test_backend.numbers())) == 4
    assert Delivery.objects.get(pk=failures["sendable_many"]).attempts == 1  # the one call that was made


def test_a_sender_that_stops_before_it_could_record_a_sent_message_never_puts_it_back_to_pending(
    broadcast, test_backend, monkeypatch
):
    """Meta accepted the message; the database refuses every write of it until the broadcast is paused: the delivery
    stays "sending" under the stopped sender's claim, which its status webhook or the grace period settles (never a
    second message from a resume)."""
    failures = {}
    fail_once(monkeypatch, "mark_sent_many", failures, times=10**6)

    def editor_pauses():
        Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.PAUSED)
        Delivery.objects.filter(pk=failures["mark_sent_many"]).update(status=Delivery.Status.SENDING)

    finished, _seen, owner = run_while_its_webhook_comes(
        broadcast, monkeypatch, lambda: failures["mark_sent_many"], then=editor_pauses
    )
    assert not finished
    assert len(test_backend.sent) == 4
    unrecorded = Delivery.objects.filter(broadcast=broadcast).values_list("status", "claim_token")
    assert not any(status == "pending" for status, _token in unrecorded)
    assert all(status == "sending" and token.startswith(owner) for status, token in unrecorded)


def test_a_claim_takes_at_most_its_limit_in_pk_order_and_only_what_is_due(broadcast):
    """On PostgreSQL the claim is one statement; written as ``IN (SELECT … LIMIT)`` a claim of one once took ten."""
    pks = sorted(Delivery.objects.filter(broadcast=broadcast).values_list("pk", flat=True))
    Delivery.objects.filter(pk=pks[1]).update(next_attempt_at=timezone.now() + timedelta(minutes=5))  # not due yet
    with CaptureQueriesContext(connection) as queries:
        assert claims.claim(broadcast.pk, "sender-a:1", 1) == [(pks[0], 0)]
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
    assert claims.claim(broadcast.pk, "sender-a:2", 2) == [(pks[2], 0), (pks[3], 0)]
    claimed = dict(Delivery.objects.filter(status=Delivery.Status.SENDING).values_list("pk", "claim_token"))
    assert claimed == {pks[0]: "sender-a:1", pks[2]: "sender-a:2", pks[3]: "sender-a:2"}
