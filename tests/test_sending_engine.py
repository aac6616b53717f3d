"""The sender: unsubscribes and cancels mid-broadcast, retries, recipient errors, the circuit breaker, resume."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.models import Broadcast, Delivery, Subscriber
from wagtail_whatsapp.outbound import send_failures
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import (
    cancel_broadcast,
    pause_broadcast,
    resume_broadcast,
    start_broadcast,
)
from wagtail_whatsapp.outbound.delivery_claims import fan_out
from wagtail_whatsapp.outbound.progress import progress_of as broadcast_progress

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(send_failures, "BACKOFF_BASE", 0.0)


def queued(site, count=5, in_window=None):
    """A broadcast to ``count`` subscribers (all inside the window), queued but not sent yet."""
    subscribers(site, count, in_window=count if in_window is None else in_window)
    return start_broadcast(news_page(site))  # the task would run at commit, which never comes in these tests


def test_unsubscribing_mid_broadcast_is_respected(site, test_backend):
    broadcast = queued(site, 5)

    def unsubscribe_the_last(to, callback_data):
        if not test_backend.sent:  # while the first message goes out, the last subscriber leaves
            Subscriber.objects.filter(phone_number="+393330000004").update(status=Subscriber.Status.UNSUBSCRIBED)

    test_backend.before_send = unsubscribe_the_last
    assert sending.send_broadcast(broadcast.pk)
    assert "393330000004" not in test_backend.numbers()
    assert len(test_backend.sent) == 4
    skipped = Delivery.objects.get(broadcast=broadcast, status=Delivery.Status.SKIPPED)
    assert skipped.subscriber.phone_number == "+393330000004"
    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.sent_count, broadcast.skipped_count) == ("done", 4, 1)


def test_no_message_after_a_cancel(site, test_backend, admin_user):
    broadcast = queued(site, 10)

    def cancel_after_three(to, callback_data):
        if len(test_backend.sent) == 3:
            cancel_broadcast(Broadcast.objects.get(pk=broadcast.pk), user=admin_user)

    test_backend.before_send = cancel_after_three
    assert not sending.send_broadcast(broadcast.pk)
    # The fourth call was already under way when the cancel was committed; nothing started after it.
    assert len(test_backend.sent) == 4
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.CANCELLED and "Cancelled by" in broadcast.status_reason
    assert Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.SENDING).count() == 0
    assert not sending.send_broadcast(broadcast.pk)  # a late task for it does nothing
    assert len(test_backend.sent) == 4


def test_retryable_errors_are_retried_then_sent_once(site, test_backend):
    broadcast = queued(site, 3)
    test_backend.faults["393330000001"] = [
        WhatsAppError("Service unavailable", kind=ErrorKind.RETRYABLE, code=131000, http_status=503),
        WhatsAppError("Too many requests", kind=ErrorKind.RATE_LIMITED, code=130429, retry_after=0.01),
    ]
    assert sending.send_broadcast(broadcast.pk)
    assert sorted(test_backend.numbers()) == ["393330000000", "393330000001", "393330000002"]
    retried = Delivery.objects.get(broadcast=broadcast, subscriber__phone_number="+393330000001")
    assert retried.status == Delivery.Status.SENT and retried.attempts == 2  # a 130429 is not held against it


def test_a_retryable_error_that_never_ends_fails_that_delivery(site, test_backend):
    broadcast = queued(site, 2)
    test_backend.faults["393330000000"] = [
        WhatsAppError("Service unavailable", kind=ErrorKind.RETRYABLE, code=131000) for _ in range(10)
    ]
    assert sending.send_broadcast(broadcast.pk)
    failed = Delivery.objects.get(broadcast=broadcast, status=Delivery.Status.FAILED)
    assert failed.attempts == send_failures.MAX_ATTEMPTS and failed.error_code == 131000
    assert test_backend.numbers() == ["393330000001"]


def test_recipient_errors_fail_that_delivery_only_and_are_explained(site, test_backend):
    broadcast = queued(site, 4)
    test_backend.faults["393330000002"] = [
        WhatsAppError("Message undeliverable", kind=ErrorKind.RECIPIENT, code=131026)
    ]
    assert sending.send_broadcast(broadcast.pk)
    progress = broadcast_progress(broadcast)
    assert (progress["sent"], progress["failed"], progress["status"]) == (3, 1, "done")
    assert progress["failures"] == [
        {
            "reason": "The number cannot receive WhatsApp messages (not on WhatsApp or an old app).",
            "codes": [131026],
            "count": 1,
        }
    ]
    assert test_backend.failed_calls == 1


def test_circuit_breaker_pauses_on_a_dead_token_and_resume_finishes_the_job(
    site, test_backend, admin_user, django_capture_on_commit_callbacks
):
    broadcast = queued(site, 20)
    test_backend.fatal_after = 5
    assert not sending.send_broadcast(broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.PAUSED
    assert "190" in broadcast.status_reason and "access token" in broadcast.status_reason
    assert test_backend.failed_calls == send_failures.FATAL_ERRORS_TO_PAUSE
    assert len(test_backend.sent) == 5
    # Nobody's delivery was failed for it: the three refused ones wait for the resume like the others.
    assert not Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.FAILED).exists()

    test_backend.fatal_after = None  # the admin put a new token in place
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_broadcast(broadcast, user=admin_user)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE and broadcast.status_reason == ""
    numbers = test_backend.numbers()
    assert len(numbers) == 20 and len(set(numbers)) == 20
    assert broadcast.sent_count == 20


def test_pause_by_an_editor_and_resume(site, test_backend, admin_user, django_capture_on_commit_callbacks):
    broadcast = queued(site, 6)

    def pause_after_two(to, callback_data):
        if len(test_backend.sent) == 2:
            pause_broadcast(Broadcast.objects.get(pk=broadcast.pk), user=admin_user)

    test_backend.before_send = pause_after_two
    sending.send_broadcast(broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.status == "paused" and len(test_backend.sent) == 3
    assert "Paused by admin" in broadcast.status_reason
    test_backend.before_send = None
    with django_capture_on_commit_callbacks(execute=True):
        resume_broadcast(broadcast)
    assert sorted(set(test_backend.numbers())) == sorted(test_backend.numbers())
    assert len(test_backend.sent) == 6


def test_in_flight_deliveries_are_reconciled_before_any_retry(site, test_backend):
    """A crash left two deliveries "sending": one reached Meta (its status webhook says so), one did not."""
    broadcast = queued(site, 4)
    fan_out(broadcast)
    Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.SENDING)
    long_ago = timezone.now() - timedelta(minutes=10)
    first, second = Delivery.objects.filter(broadcast=broadcast).order_by("pk")[:2]
    Delivery.objects.filter(pk__in=[first.pk, second.pk]).update(
        status=Delivery.Status.SENDING, claim_token="dead-consumer", claimed_at=long_ago
    )
    # The webhook for the first one arrives (as deliveries.apply_status_update would record it).
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SENT, wamid="wamid.BEFORECRASH")
    assert sending.send_broadcast(broadcast.pk)
    numbers = test_backend.numbers()
    assert first.subscriber.recipient not in numbers
    assert sorted(numbers) == sorted(
        d.subscriber.recipient for d in Delivery.objects.filter(broadcast=broadcast).exclude(pk=first.pk)
    )


def test_a_fresh_in_flight_delivery_waits_for_its_status(site, test_backend, settings, monkeypatch):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "DELIVERY_STATUS_GRACE_SECONDS": 3600}
    broadcast = queued(site, 3)
    fan_out(broadcast)
    in_doubt = Delivery.objects.filter(broadcast=broadcast).first()
    Delivery.objects.filter(pk=in_doubt.pk).update(
        status=Delivery.Status.SENDING, claim_token="other", claimed_at=timezone.now()
    )
    sender = sending.BroadcastSender(broadcast.pk)
    waited = []

    def webhook_arrives(seconds):
        waited.append(seconds)
        Delivery.objects.filter(pk=in_doubt.pk).update(status=Delivery.Status.DELIVERED)

    # The dispatcher idles while the in-doubt one is within its grace period; the webhook then settles it.
    monkeypatch.setattr(sending.time, "sleep", webhook_arrives)
    assert sender.run()
    assert waited and in_doubt.subscriber.recipient not in test_backend.numbers()
    assert len(test_backend.sent) == 2
