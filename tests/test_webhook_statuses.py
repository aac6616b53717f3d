"""Status webhooks move deliveries forward only and keep the broadcast's counts in step (issue 3, contract 2)."""

import pytest

from tests.signing import load_webhook
from wagtail_whatsapp.inbound.statuses import apply_status_update
from wagtail_whatsapp.models import Broadcast, Delivery, StatusUpdate, Subscriber
from wagtail_whatsapp.sandbox.simulate import status_payload

NUMBER_ID = "106540352242922"


@pytest.fixture
def delivery(site):
    broadcast = Broadcast.objects.create(site=site, title="Chiusura via Roma", message="...", recipients_count=1)
    subscriber = Subscriber.objects.create(site=site, phone_number="+393331234567")
    return Delivery.objects.create(broadcast=broadcast, subscriber=subscriber, status="sending", wamid="wamid.d1")


def post_statuses(webhook, *statuses, callback=""):
    items = []
    for index, status in enumerate(statuses):
        at = str(1750000000 + index)
        item = {"id": "wamid.d1", "status": status, "recipient_id": "393331234567", "timestamp": at}
        if callback:
            item["biz_opaque_callback_data"] = callback
        items.append(item)
    assert webhook.post(status_payload(NUMBER_ID, items)).status_code == 200


def counts(delivery):
    broadcast = Broadcast.objects.get(pk=delivery.broadcast_id)
    return broadcast.sent_count, broadcast.delivered_count, broadcast.read_count, broadcast.failed_count


def test_callback_data_format(delivery):
    assert delivery.callback_data == f"wagtail_whatsapp:delivery:{delivery.pk}"


def test_statuses_move_the_delivery_forward_and_count(webhook, delivery):
    post_statuses(webhook, "sent", "delivered")
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.sent_at and delivery.delivered_at
    assert counts(delivery) == (1, 1, 0, 0)
    post_statuses(webhook, "read")
    assert Delivery.objects.get().status == "read"
    assert counts(delivery) == (1, 1, 1, 0)


def test_out_of_order_and_skipped_statuses_never_go_backwards(webhook, delivery):
    item = {"id": "wamid.d1", "recipient_id": "393331234567", "timestamp": "1750000005"}
    webhook.post(status_payload(NUMBER_ID, [{**item, "status": "read"}]))
    webhook.post(status_payload(NUMBER_ID, [{**item, "status": "delivered"}, {**item, "status": "sent"}]))
    delivery.refresh_from_db()
    assert delivery.status == "read"
    assert delivery.sent_at and delivery.delivered_at and delivery.read_at  # read implies the earlier steps
    assert counts(delivery) == (1, 1, 1, 0)


def test_found_by_callback_data_before_the_wamid_is_known(webhook, delivery):
    Delivery.objects.filter(pk=delivery.pk).update(wamid="")
    post_statuses(webhook, "sent", callback=delivery.callback_data)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.wamid) == ("sent", "wamid.d1")


def test_failed_records_the_error_and_is_final(webhook, delivery):
    payload = load_webhook("webhook_status_failed_131049")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = "wamid.d1"
    webhook.post(payload)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == ("failed", 131049)
    assert "healthy ecosystem" in delivery.error_reason
    post_statuses(webhook, "delivered")
    assert Delivery.objects.get().status == "failed"
    assert counts(delivery) == (0, 0, 0, 1)


def test_failure_after_delivery_is_ignored(webhook, delivery):
    post_statuses(webhook, "delivered", "failed")
    assert Delivery.objects.get().status == "delivered"
    assert counts(delivery) == (1, 1, 0, 0)


def test_user_stopped_marketing_is_recorded_on_the_subscriber(delivery):
    update = StatusUpdate.objects.create(
        wamid="wamid.d1", status="failed", timestamp="2026-01-01T00:00Z", error_code=131050, error_title="stopped"
    )
    assert apply_status_update(update) is True
    assert Subscriber.objects.get().marketing_stopped is True


def test_a_status_for_no_delivery_is_kept_and_harmless(webhook, site):
    assert webhook.post(load_webhook("webhook_status_sent")).status_code == 200
    assert StatusUpdate.objects.get().processed_at is not None


def test_replayed_status_counts_once(webhook, delivery):
    post_statuses(webhook, "sent", "delivered", "read")
    post_statuses(webhook, "sent", "delivered", "read")
    assert counts(delivery) == (1, 1, 1, 0)
    assert StatusUpdate.objects.count() == 3


@pytest.mark.parametrize("junk", ["²", "9" * 19, "9" * 5000, "-1", "0", " 1"])
def test_callback_data_that_cannot_be_a_delivery_id_falls_back_to_the_wamid(webhook, delivery, junk):
    # Meta echoes our callback data; anything else there (a "²", an id past the database's range) is not ours.
    post_statuses(webhook, "delivered", callback=f"wagtail_whatsapp:delivery:{junk}")
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert StatusUpdate.objects.get().processing_attempts == 1  # handled at the first try, no error
