"""Meta's statuses applied a webhook at a time (issue 15): a broadcast's three statuses per message cost a handful of
queries per batch, not several per status, with the same rules as one at a time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wagtail_whatsapp import signals
from wagtail_whatsapp.inbound import statuses, tasks
from wagtail_whatsapp.inbound.statuses import process_pending_statuses
from wagtail_whatsapp.models import Broadcast, Delivery, StatusUpdate, Subscriber
from wagtail_whatsapp.outbound import delivery_claims
from wagtail_whatsapp.sandbox.simulate import status_payload

pytestmark = pytest.mark.django_db

PRICING = {"billable": True, "pricing_model": "PMP", "category": "marketing", "type": "regular"}


def broadcast_with(site, count, status="sent"):
    broadcast = Broadcast.objects.create(site=site, title="Chiusura via Roma", message="...", recipients_count=count)
    Subscriber.objects.bulk_create(Subscriber(site=site, phone_number=f"+3933300{n:05d}") for n in range(count))
    Delivery.objects.bulk_create(
        Delivery(broadcast=broadcast, subscriber=subscriber, status=status, wamid=f"wamid.b{subscriber.pk}")
        for subscriber in Subscriber.objects.filter(site=site)
    )
    if status == "sent":
        Broadcast.objects.filter(pk=broadcast.pk).update(sent_count=count)
    return broadcast


# One webhook's statuses share Meta's whole-second timestamp (a clock read per status could straddle a second).
WEBHOOK_TIME = timezone.now().replace(microsecond=0)


def store(site, delivery, *states, pricing=PRICING, **extra):
    """What ``inbound/ingest.py`` stores for a webhook: one StatusUpdate per (wamid, status)."""
    for state in states:
        StatusUpdate.objects.create(
            site=site,
            wamid=delivery.wamid or f"wamid.late{delivery.pk}",
            status=state,
            timestamp=WEBHOOK_TIME,
            callback_data=delivery.callback_data,
            payload={"id": delivery.wamid, "status": state, **({"pricing": pricing} if pricing else {})},
            **extra,
        )


def counts(broadcast):
    broadcast.refresh_from_db()
    return broadcast.sent_count, broadcast.delivered_count, broadcast.read_count, broadcast.failed_count


def test_a_webhook_of_a_hundred_statuses_is_applied_in_a_handful_of_queries(site):
    broadcast = broadcast_with(site, 34)
    deliveries = list(Delivery.objects.filter(broadcast=broadcast))
    for delivery in deliveries:
        store(site, delivery, "read", "delivered", "sent")  # in any order, as Meta sends them
    stored = list(StatusUpdate.objects.values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as queries:
        process_pending_statuses(stored)

    # Claimed and marked handled (read back by RETURNING), the deliveries (their recipients too), one UPDATE of them,
    # the broadcast's counts; savepoints aside.
    work = [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(work) <= 4, [q["sql"][:80] for q in work]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"read"}
    assert counts(broadcast) == (34, 34, 34, 0)
    assert set(Delivery.objects.values_list("billing_category", "pricing_rank")) == {("marketing", 3)}
    assert not StatusUpdate.objects.filter(handled_at__isnull=True).exists()

    # Meta retries the whole webhook: nothing moves, nothing is counted twice.
    StatusUpdate.objects.update(processed_at=None, handled_at=None, processing_attempts=0)
    process_pending_statuses(stored)
    assert counts(broadcast) == (34, 34, 34, 0)


def test_statuses_with_all_different_values_still_cost_one_update(site):
    broadcast = broadcast_with(site, 10)
    for n, delivery in enumerate(Delivery.objects.filter(broadcast=broadcast)):
        StatusUpdate.objects.create(
            site=site, wamid=delivery.wamid, status="delivered", callback_data=delivery.callback_data,
            timestamp=timezone.now().replace(microsecond=0) - timezone.timedelta(seconds=n),
        )  # fmt: skip
    stored = list(StatusUpdate.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        process_pending_statuses(stored)
    assert len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]) <= 4
    assert counts(broadcast) == (10, 10, 0, 0)
    assert len(set(Delivery.objects.values_list("delivered_at", flat=True))) == 10


def test_a_batch_keeps_each_message_moving_forward_only_and_failures_final(site):
    broadcast = broadcast_with(site, 3, status="sending")
    read_first, failed, delivered_then_failed = Delivery.objects.filter(broadcast=broadcast).order_by("pk")
    store(site, read_first, "read", "sent")
    store(site, failed, "failed", "sent", error_code=131026, error_title="Message undeliverable")
    store(site, delivered_then_failed, "delivered", "failed")

    process_pending_statuses(list(StatusUpdate.objects.values_list("pk", flat=True)))

    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses == {read_first.pk: "read", failed.pk: "failed", delivered_then_failed.pk: "delivered"}
    # sent is applied before failed (the order of one message's steps), so the failure comes after one sent
    assert counts(broadcast) == (3, 2, 1, 1)
    assert Delivery.objects.get(pk=failed.pk).error_code == 131026


def test_the_sender_marking_a_delivery_sent_after_its_webhook_does_not_count_it_twice(site):
    broadcast = broadcast_with(site, 1, status="sending")
    delivery = Delivery.objects.get()
    store(site, delivery, "delivered")
    process_pending_statuses(list(StatusUpdate.objects.values_list("pk", flat=True)))
    assert delivery_claims.mark_sent(delivery.pk, delivery.wamid, False) is False
    assert counts(broadcast) == (1, 1, 0, 0)
    assert Delivery.objects.get().status == "delivered"


def test_status_updated_reaches_a_receiver_with_each_stored_status_and_its_site(site):
    broadcast = broadcast_with(site, 2)
    first, second = Delivery.objects.filter(broadcast=broadcast).order_by("pk")
    store(site, first, "read", "delivered")
    store(site, second, "delivered")
    heard = []

    def receiver(sender, status_update, site, **kwargs):
        heard.append((type(status_update), status_update.wamid, status_update.status, site))

    signals.status_updated.connect(receiver, weak=False)
    try:
        process_pending_statuses(list(StatusUpdate.objects.values_list("pk", flat=True)))
        process_pending_statuses(list(StatusUpdate.objects.values_list("pk", flat=True)))  # the task run twice
    finally:
        signals.status_updated.disconnect(receiver)
    assert sorted(heard, key=lambda heard: heard[1] != first.wamid) == [  # each message's in turn
        (StatusUpdate, first.wamid, "delivered", site),  # one message's steps in their order, whatever Meta's
        (StatusUpdate, first.wamid, "read", site),
        (StatusUpdate, second.wamid, "delivered", site),
    ]


def test_a_batch_that_fails_half_way_leaves_nothing_and_is_retried_one_status_at_a_time(site, monkeypatch):
    broadcast = broadcast_with(site, 3)
    deliveries = list(Delivery.objects.filter(broadcast=broadcast).order_by("pk"))
    for delivery in deliveries:
        store(site, delivery, "delivered")
    odd = deliveries[1].wamid
    real_move = statuses._Batch.move

    def move(self, delivery, update):  # one status no rule foresaw
        if update.wamid == odd:
            raise ValueError("unexpected")
        return real_move(self, delivery, update)

    monkeypatch.setattr(statuses._Batch, "move", move)
    process_pending_statuses(list(StatusUpdate.objects.values_list("pk", flat=True)))

    # Rolled back whole: nothing moved, nothing counted, nothing marked; each status counted one try.
    assert counts(broadcast) == (3, 0, 0, 0)
    assert set(StatusUpdate.objects.values_list("processed_at", "handled_at", "processing_attempts")) == {
        (None, None, 1)
    }

    tasks.recover_lost_work()  # the minute's task: one at a time now
    assert counts(broadcast) == (3, 2, 0, 0)
    assert dict(Delivery.objects.values_list("wamid", "status"))[odd] == "sent"
    assert StatusUpdate.objects.get(wamid=odd).processed_at is None  # given back for its next try alone


def executions():
    """Counts what the database runs: an ``executemany`` counts one per row (PostgreSQL's driver runs each)."""
    counted = []

    def count(execute, sql, params, many, context):
        counted.extend([sql] * (len(params) if many else 1))
        return execute(sql, params, many, context)

    return counted, connection.execute_wrapper(count)


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs executemany in the process, prepared once: kept there"
)


@on_postgresql
def test_on_postgresql_a_webhooks_hundred_statuses_are_one_insert(webhook, webhook_site_settings, monkeypatch):
    monkeypatch.setattr(tasks, "process_status_updates", lambda pks: None)
    items = [
        {"id": f"wamid.out{n // 3}", "status": ("sent", "delivered", "read")[n % 3], "recipient_id": "393331234567",
         "biz_opaque_callback_data": f"wagtail_whatsapp:delivery:{n // 3}", "pricing": PRICING}
        for n in range(100)
    ]  # fmt: skip
    counted, counting = executions()
    with counting:
        assert webhook.post(status_payload("106540352242922", items)).json()["statuses"] == 100
    inserts = [sql for sql in counted if sql.startswith("INSERT") and "statusupdate" in sql]
    assert len(inserts) == 1 and StatusUpdate.objects.count() == 100


@on_postgresql
def test_on_postgresql_a_blocks_sent_calls_are_one_update(site):
    broadcast = broadcast_with(site, 5, status="sending")
    pks = sorted(Delivery.objects.filter(broadcast=broadcast).values_list("pk", flat=True))
    Delivery.objects.filter(pk=pks[0]).update(status="delivered", wamid="wamid.webhook")  # its webhook came first
    counted, counting = executions()
    with counting:
        moved = delivery_claims.mark_sent_many([(pk, f"wamid.sent{pk}", pk % 2 == 0) for pk in reversed(pks)])
    updates = [sql for sql in counted if sql.startswith("UPDATE")]
    assert moved == 4 and len(updates) == 1 + 5  # one for the block; the fix-up, one per row, only when one lagged
    rows = {pk: (status, wamid, used) for pk, status, wamid, used in Delivery.objects.values_list(
        "pk", "status", "wamid", "used_template")}  # fmt: skip
    assert all(rows[pk] == ("sent", f"wamid.sent{pk}", pk % 2 == 0) for pk in pks[1:])
    # The one a webhook got to first keeps its status and wamid; only how it was sent is recorded.
    assert rows[pks[0]] == ("delivered", "wamid.webhook", pks[0] % 2 == 0)
    assert delivery_claims.mark_sent_many([]) == 0


def test_text_and_json_with_quotes_and_backslashes_are_stored_as_meta_sent_them(webhook, webhook_site_settings):
    """The statuses go to PostgreSQL as arrays of parameters (server_binding.py): nothing in them is SQL."""
    title = "Messaggio non consegnato: l'utente \"ha\\bloccato\" 😞 '); DROP TABLE x; --"
    items = [
        {"id": "wamid.q1", "status": "failed", "recipient_id": "393331234567", "timestamp": "1700000000",
         "errors": [{"code": 131026, "title": title, "error_data": {"details": 'a "b" \\ c\n'}}]},
        {"id": "wamid.q2", "status": "sent", "recipient_id": "393331234567", "timestamp": "1700000000",
         "biz_opaque_callback_data": "x'y\"z", "pricing": PRICING},
    ]  # fmt: skip
    assert webhook.post(status_payload("106540352242922", items)).status_code == 200
    failed, sent = StatusUpdate.objects.get(wamid="wamid.q1"), StatusUpdate.objects.get(wamid="wamid.q2")
    assert failed.error_code == 131026 and failed.error_title == title
    assert failed.payload["errors"][0]["error_data"] == {"details": 'a "b" \\ c\n'}
    assert sent.callback_data == "x'y\"z" and sent.payload["pricing"] == PRICING


def test_a_webhook_of_a_hundred_statuses_is_stored_in_a_handful_of_queries(
    webhook, webhook_site_settings, monkeypatch, django_assert_max_num_queries
):
    queued = []
    monkeypatch.setattr(tasks, "process_status_updates", queued.append)  # the consumer's side is counted above
    items = [
        {"id": f"wamid.out{n // 3}", "status": ("sent", "delivered", "read")[n % 3], "recipient_id": "393331234567",
         "biz_opaque_callback_data": f"wagtail_whatsapp:delivery:{n // 3}", "pricing": PRICING}
        for n in range(100)
    ]  # fmt: skip
    webhook.post(status_payload("106540352242922", items[:1]))  # the route to the site, cached from now on
    earlier = StatusUpdate.objects.get().pk
    queued.clear()

    # Those stored before, savepoint, one INSERT for all, release, the new rows' ids; whatever the statuses' number.
    with django_assert_max_num_queries(5):
        response = webhook.post(status_payload("106540352242922", items))
    assert response.json()["statuses"] == 99 and response.json()["duplicates"] == 1
    assert StatusUpdate.objects.count() == 100
    # One task, for this POST's rows only (not the earlier status of the same message, handled already).
    assert queued == [sorted(StatusUpdate.objects.exclude(pk=earlier).values_list("pk", flat=True))]

    # Meta retries the whole POST: nothing stored twice, nothing queued again.
    with django_assert_max_num_queries(1):
        response = webhook.post(status_payload("106540352242922", items))
    assert response.json()["duplicates"] == 100 and StatusUpdate.objects.count() == 100 and len(queued) == 1
