"""A stored event whose processing fails is tried again, never lost; one that always fails is given up on."""

import datetime
import logging

import pytest
from django.db import OperationalError

from wagtail_whatsapp import signals
from wagtail_whatsapp.inbound import event_claims, keyword_dispatch, subscribing, tasks
from wagtail_whatsapp.inbound import statuses as deliveries
from wagtail_whatsapp.models import (
    Broadcast,
    ConsentRecord,
    Delivery,
    InboundMessage,
    SandboxMessage,
    StatusUpdate,
    Subscriber,
)
from wagtail_whatsapp.sandbox.simulate import status_payload, text_message_payload

NUMBER_ID = "106540352242922"
LONG_AGO = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def fail_first(monkeypatch, module, name, times=1):
    """Make ``module.name`` raise "database is locked" for its first ``times`` calls, then behave."""
    real = getattr(module, name)
    calls = {"count": 0}

    def flaky(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] <= times:
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
    return calls


def next_minute(model):
    """What the periodic task does a minute later, once the event counts as stale."""
    model.objects.update(received_at=LONG_AGO)
    tasks.process_stale_events.call_local()


def welcomes():
    return SandboxMessage.objects.filter(direction="out").count()


def test_an_iscrivimi_that_meets_a_locked_database_is_subscribed_on_the_next_try(webhook, site, monkeypatch, caplog):
    fail_first(monkeypatch, subscribing, "subscribe")
    webhook.post(text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id=NUMBER_ID))

    message = InboundMessage.objects.get()
    assert message.processed_at is None and message.processing_attempts == 1  # given back, not lost
    assert not Subscriber.objects.exists()
    assert "tried again soon" in caplog.text and "database is locked" in caplog.text

    next_minute(InboundMessage)
    assert Subscriber.objects.get().status == "active"
    assert welcomes() == 1
    next_minute(InboundMessage)  # handled: no second welcome
    assert welcomes() == 1
    assert InboundMessage.objects.get().processing_attempts == 2


def test_a_message_that_always_fails_is_given_up_after_the_last_try(webhook, site, monkeypatch, caplog):
    calls = fail_first(monkeypatch, subscribing, "subscribe", times=100)
    webhook.post(text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id=NUMBER_ID))
    for _ in range(event_claims.MAX_ATTEMPTS + 3):
        next_minute(InboundMessage)

    assert calls["count"] == event_claims.MAX_ATTEMPTS
    message = InboundMessage.objects.get()  # still stored, for the moderation inbox
    assert message.processed_at is not None and message.text == "ISCRIVIMI"
    given_up = [r for r in caplog.records if r.levelno == logging.ERROR and "given up" in r.getMessage()]
    assert len(given_up) == 1


def test_a_status_that_fails_once_is_applied_and_announced_on_the_next_try(webhook, site, monkeypatch):
    broadcast = Broadcast.objects.create(site=site, title="Chiusura via Roma", message="...", recipients_count=1)
    subscriber = Subscriber.objects.create(site=site, phone_number="+393331234567")
    Delivery.objects.create(broadcast=broadcast, subscriber=subscriber, status="sending", wamid="wamid.d1")
    announced = []

    def receiver(sender, status_update, **kwargs):
        announced.append(status_update.status)

    signals.status_updated.connect(receiver, weak=False)
    try:
        fail_first(monkeypatch, deliveries, "apply_and_forget")
        item = {"id": "wamid.d1", "status": "delivered", "recipient_id": "393331234567", "timestamp": "1750000000"}
        webhook.post(status_payload(NUMBER_ID, [item]))
        assert Delivery.objects.get().status == "sending" and announced == []
        assert StatusUpdate.objects.get().processed_at is None

        next_minute(StatusUpdate)
    finally:
        signals.status_updated.disconnect(receiver)
    assert Delivery.objects.get().status == "delivered"
    assert Broadcast.objects.get().delivered_count == 1
    assert announced == ["delivered"]


def test_two_workers_never_both_claim_one_event(site):
    InboundMessage.objects.create(site=site, wamid="wamid.x", message_type="text", text="ciao", sent_at=LONG_AGO)
    first, second = InboundMessage.objects.get(), InboundMessage.objects.get()
    assert event_claims.claim(first) is True
    assert event_claims.claim(second) is False


def test_an_iscrivimi_retried_after_the_citizens_cancellami_does_not_subscribe_them(webhook, site, monkeypatch):
    fail_first(monkeypatch, subscribing, "subscribe")
    number = "+393331234567"
    webhook.post(text_message_payload(number, "ISCRIVIMI", phone_number_id=NUMBER_ID, timestamp=1_750_000_000))
    webhook.post(text_message_payload(number, "CANCELLAMI", phone_number_id=NUMBER_ID, timestamp=1_750_000_060))
    goodbyes = SandboxMessage.objects.filter(direction="out").count()
    assert goodbyes == 1  # CANCELLAMI from someone not (yet) subscribed still gets the confirmation

    next_minute(InboundMessage)  # the ISCRIVIMI's retry: older than the CANCELLAMI, so it changes nothing
    assert not Subscriber.objects.filter(status="active").exists()
    assert SandboxMessage.objects.filter(direction="out").count() == goodbyes  # and no welcome


def test_a_message_left_unfinished_by_a_dead_worker_is_handled_later(webhook, site, monkeypatch):
    monkeypatch.setattr(keyword_dispatch, "handle_message", lambda message: (_ for _ in ()).throw(SystemExit))
    with pytest.raises(SystemExit):  # the worker dies mid-way: nothing gives the claim back
        webhook.post(text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id=NUMBER_ID))
    monkeypatch.undo()
    message = InboundMessage.objects.get()
    assert message.processed_at is not None and message.handled_at is None

    next_minute(InboundMessage)  # claimed a moment ago: the worker may still be at it
    assert not Subscriber.objects.exists()

    InboundMessage.objects.update(processed_at=LONG_AGO)  # ten minutes later
    next_minute(InboundMessage)
    assert Subscriber.objects.get().status == "active" and welcomes() == 1
    assert InboundMessage.objects.get().handled_at is not None
    next_minute(InboundMessage)
    assert welcomes() == 1


def test_an_iscrivimi_handled_twice_changes_nothing_the_second_time(webhook, site):
    webhook.post(text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id=NUMBER_ID))
    assert welcomes() == 1
    # A worker died after subscribing but before marking the message done: the message is handled again.
    InboundMessage.objects.update(processed_at=LONG_AGO, handled_at=None)
    next_minute(InboundMessage)
    assert welcomes() == 1  # no second welcome, no "already subscribed"
    assert ConsentRecord.objects.count() == 1
