"""Two senders on one broadcast: a claim is a lease, so a sender held up behind the pace is never doubled by another,
while the claims of a dead one are taken over once its lease has run out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound import delivery_claims as claims
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import start_broadcast

pytestmark = pytest.mark.django_db

GRACE = 1  # the shortest grace a town might set: the lease still protects a live sender


@pytest.fixture
def broadcast(site):
    subscribers(site, 4, in_window=4)
    broadcast = start_broadcast(news_page(site))
    claims.fan_out(broadcast)
    Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.SENDING)
    return broadcast


def claimed_ago(broadcast, token, seconds):
    claimed = claims.claim(broadcast.pk, token, 10)
    Delivery.objects.filter(broadcast=broadcast).update(claimed_at=timezone.now() - timedelta(seconds=seconds))
    return [pk for pk, _attempts in claimed]


def statuses(broadcast):
    return sorted(Delivery.objects.filter(broadcast=broadcast).values_list("status", "claim_token"))


def test_a_live_senders_claims_are_not_taken_over_after_the_grace_period(broadcast):
    """Claimed 3 s ago and still waiting for their pace slots: the grace (1 s) is past, the lease is not."""
    claimed_ago(broadcast, "first", 3)
    claims.reconcile_in_doubt(broadcast.pk, "second", GRACE)
    assert statuses(broadcast) == [("sending", "first")] * 4
    assert claims.claim(broadcast.pk, "second", 10) == []


def test_a_dead_senders_claims_are_pending_again_once_its_lease_and_the_grace_have_run_out(broadcast):
    claimed_ago(broadcast, "dead", claims.CLAIM_LEASE + GRACE + 1)
    claims.reconcile_in_doubt(broadcast.pk, "second", GRACE)
    assert statuses(broadcast) == [("pending", "")] * 4


def test_a_timeout_in_doubt_waits_only_for_the_grace_period(broadcast):
    [first, *_rest] = claimed_ago(broadcast, "first", 0)
    claims.keep_in_doubt(first)  # the call timed out: it may have reached Meta
    Delivery.objects.filter(pk=first).update(claimed_at=timezone.now() - timedelta(seconds=GRACE + 1))
    claims.reconcile_in_doubt(broadcast.pk, "second", GRACE)
    assert Delivery.objects.get(pk=first).status == "pending"
    assert Delivery.objects.exclude(pk=first).filter(status="sending", claim_token="first").count() == 3


def test_a_live_sender_renews_its_claims_so_they_never_lapse(broadcast, settings):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "DELIVERY_STATUS_GRACE_SECONDS": GRACE}
    sender = sending.BroadcastSender(broadcast.pk)
    claimed_ago(broadcast, sender.token, claims.CLAIM_LEASE + GRACE + 1)
    sender.lease.renewed -= claims.CLAIM_RENEW_EVERY  # its last renewal is due again
    sender.lease.keep()
    claims.reconcile_in_doubt(broadcast.pk, "second", GRACE)
    assert statuses(broadcast) == [("sending", sender.token)] * 4


def held_up(monkeypatch, then=None):
    """Every read right before a call finds the claim older than a sender may call on without renewing it (the
    sender was held up); ``then(pk)`` is what another sender did meanwhile."""
    read = claims.sendable

    def sendable_after_a_hold_up(pk, token):
        row = read(pk, token)
        if row is not None:
            row = (*row[:-1], timezone.now() - timedelta(seconds=claims.CLAIM_SEND_WITHIN + 1))
            if then:
                then(pk)
        return row

    monkeypatch.setattr(claims, "sendable", sendable_after_a_hold_up)


def test_a_held_up_sender_does_not_send_what_another_took_over_and_sent(broadcast, test_backend, monkeypatch):
    def taken_over_and_sent(pk):
        Delivery.objects.filter(pk=pk).update(status=Delivery.Status.SENT, claim_token="", wamid=f"wamid.OTHER{pk}")

    held_up(monkeypatch, then=taken_over_and_sent)
    assert sending.send_broadcast(broadcast.pk)
    assert test_backend.sent == []
    assert statuses(broadcast) == [("sent", "")] * 4


def test_a_held_up_sender_that_still_holds_its_claims_renews_and_sends_them(broadcast, test_backend, monkeypatch):
    held_up(monkeypatch)
    assert sending.send_broadcast(broadcast.pk)
    assert sorted(test_backend.numbers()) == sorted(
        delivery.subscriber.recipient for delivery in Delivery.objects.filter(broadcast=broadcast)
    )
    assert statuses(broadcast) == [("sent", "")] * 4
