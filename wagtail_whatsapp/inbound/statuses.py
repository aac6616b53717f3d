"""Status webhooks → Delivery rows and the Broadcast's counts, a batch at a time.

Statuses arrive out of order, twice, or skip a step (``read`` without ``delivered``): a delivery only ever moves
forward (sent < delivered < read), ``failed`` records Meta's error, and the broadcast's counts follow every move.
What Meta bills (the status's ``pricing`` object) is recorded on the delivery whether or not the status moves it.

Meta sends about three statuses per message while a broadcast is still sending, so they are applied in bulk, in one
transaction per webhook's batch: its statuses claimed and marked handled in one ``UPDATE … RETURNING`` as plain rows,
their deliveries read and locked in one query (plain rows too: no model instance per status or delivery), moved in
memory by the rules above, and written back by ``delivery_writes.py`` (usually one to three UPDATEs), plus one UPDATE
of the counts per broadcast. On SQLite the batch takes the process's write lock (``writelock.py``), so the sender's
threads in the same consumer wait for it without SQLite's sleeping busy handler. A batch that fails is rolled back and
counted as one try; when retried, its statuses go one at a time, so that one odd status cannot hold back the others.
``status_updated`` is sent for each status applied, with the stored row loaded only when a receiver is connected.
"""

import logging
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import F

from wagtail_whatsapp import signals
from wagtail_whatsapp.inbound import event_claims, owed_replies
from wagtail_whatsapp.inbound.delivery_writes import write_deliveries
from wagtail_whatsapp.inbound.event_values import pricing as pricing_of
from wagtail_whatsapp.inbound.notify import send_signal
from wagtail_whatsapp.models import Broadcast, Delivery, Reply, StatusUpdate, Subscriber
from wagtail_whatsapp.writelock import serialized_writes

logger = logging.getLogger(__name__)

USER_STOPPED_MARKETING = 131050

# How far along a delivery is. Counts are cumulative: a read message also counts as sent and delivered.
_RANK = {
    Delivery.Status.PENDING: 0,
    Delivery.Status.SENDING: 0,
    Delivery.Status.SENT: 1,
    Delivery.Status.DELIVERED: 2,
    Delivery.Status.READ: 3,
}
_STAGES = [  # (status, rank, timestamp field, broadcast counter)
    (Delivery.Status.SENT, 1, "sent_at", "sent_count"),
    (Delivery.Status.DELIVERED, 2, "delivered_at", "delivered_count"),
    (Delivery.Status.READ, 3, "read_at", "read_count"),
]

# Whose ``pricing`` wins when statuses disagree: the most advanced; a failure last (Meta bills no failed message).
_PRICING_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}  # the order a batch applies one message's statuses in
# What a status may change on a delivery, and what is read to decide it.
_FIELDS = (
    "status", "wamid", "broadcast_id", "subscriber_id", "sent_at", "delivered_at", "read_at", "failed_at",
    "error_code", "error_reason", "billable", "billing_category", "pricing_model", "pricing_type", "pricing_rank",
)  # fmt: skip


class _Batch:
    """The deliveries a batch of statuses touches, moved in memory, then written back at once."""

    def __init__(self):
        self.changed = defaultdict(set)  # delivery → names of the fields that changed
        self.counts = defaultdict(Counter)  # broadcast id → counter increments
        self.stopped_marketing = set()  # subscriber ids

    def record_pricing(self, delivery, update):
        """The status's ``pricing``, unless a more advanced status already gave one (a replay never overwrites)."""
        pricing = pricing_of(update.payload)
        rank = _PRICING_RANK.get(update.status)
        if pricing is None or rank is None or delivery.pricing_rank > rank:
            return
        values = {
            "billable": pricing["billable"],
            "billing_category": pricing["category"],
            "pricing_model": pricing["pricing_model"],
            "pricing_type": pricing["type"],
            "pricing_rank": rank,
        }
        self._set(delivery, values)

    def move(self, delivery, update):
        """Move ``delivery`` by ``update`` if it is a step forward; True when it moved."""
        self.record_pricing(delivery, update)
        current, new_status = delivery.status, update.status
        if current in (Delivery.Status.FAILED, Delivery.Status.SKIPPED):
            return False  # final: a late "sent" must not revive a failed delivery
        counters = []
        if new_status == "failed":
            if _RANK.get(current, 0) >= 2:
                return False  # already delivered or read: a stray failure cannot undo that
            changes = {
                "status": Delivery.Status.FAILED,
                "failed_at": update.timestamp,
                "error_code": update.error_code,
                "error_reason": update.error_title or "",
            }
            counters = ["failed_count"]
        elif new_status in Delivery.SENT_STATUSES:
            target = _RANK[new_status]
            if target <= _RANK.get(current, 0):
                return False
            changes = {"status": new_status}
            for _status, rank, time_field, counter in _STAGES:
                if _RANK.get(current, 0) < rank <= target:
                    counters.append(counter)
                    if getattr(delivery, time_field) is None:
                        changes[time_field] = update.timestamp
            if not delivery.wamid:
                changes["wamid"] = update.wamid
        else:
            return False  # "played" and future statuses: stored, nothing to move
        self._set(delivery, changes)
        self.counts[delivery.broadcast_id].update(counters)
        if update.error_code == USER_STOPPED_MARKETING and delivery.subscriber_id:
            self.stopped_marketing.add(delivery.subscriber_id)
        return True

    def _set(self, delivery, values):
        for name, value in values.items():
            setattr(delivery, name, value)
        self.changed[delivery].update(values)

    def write(self):
        write_deliveries(self.changed)
        for broadcast_id, counts in self.counts.items():
            if counts:
                Broadcast.objects.filter(pk=broadcast_id).update(**{name: F(name) + n for name, n in counts.items()})
        if self.stopped_marketing:
            Subscriber.objects.filter(pk__in=self.stopped_marketing).update(marketing_stopped=True)


class _Delivery:
    """A delivery as a batch reads and moves it: ``_FIELDS`` as attributes. No model instance: building one per status
    cost the consumer more than the rules and the queries of its batch."""

    __slots__ = ("pk", *_FIELDS)

    def __init__(self, values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)


def _deliveries_of(updates):
    """{status update pk: its delivery}, locked until the transaction ends. A delivery is found by the callback data
    Meta echoes (our delivery id), else by its wamid (the latest delivery with it). Two queries at most."""
    wanted = {update.pk: Delivery.pk_from_callback_data(update.callback_data) for update in updates}
    # In primary-key order, so that two batches locking some of the same rows never deadlock (PostgreSQL).
    locked = Delivery.objects.select_for_update().order_by("pk").values_list("pk", *_FIELDS)
    ids = {pk for pk in wanted.values() if pk is not None}
    by_pk = {row[0]: _Delivery(row) for row in locked.filter(pk__in=ids)} if ids else {}
    wamids = {update.wamid for update in updates if wanted[update.pk] not in by_pk and update.wamid}
    by_wamid = {}
    for row in locked.filter(wamid__in=wamids) if wamids else ():
        delivery = by_pk.setdefault(row[0], _Delivery(row))
        by_wamid[delivery.wamid] = delivery  # the latest delivery wins
    found = {}
    for update in updates:
        delivery = by_pk.get(wanted[update.pk]) or by_wamid.get(update.wamid)
        if delivery is not None:
            found[update.pk] = delivery
    return found


def _apply(updates):
    """Move the deliveries of ``updates``; returns (pks of the updates that moved one, {update pk: its delivery})."""
    # A reply's status (its callback data says so) settles the reply; every other one is a delivery's.
    settled = {update.pk for update in updates if owed_replies.settle(update)}
    updates = [update for update in updates if update.pk not in settled]
    if not updates:
        return settled, {}
    with transaction.atomic():
        deliveries = _deliveries_of(updates)
        batch, moved = _Batch(), settled
        for update in updates:
            delivery = deliveries.get(update.pk)
            if delivery is not None and batch.move(delivery, update):
                moved.add(update.pk)
        batch.write()
    return moved, deliveries


def apply_status_updates(updates):
    """Move the deliveries of ``updates`` forward (in their order) and keep their Broadcasts' counts in step, in one
    transaction and a handful of queries whatever their number. ``updates`` are StatusUpdate rows, or anything with
    their attributes. Returns the pks of the updates that moved one."""
    return _apply(updates)[0]


def apply_status_update(status_update):
    """Move the matching Delivery forward and keep its Broadcast's counts in step. Returns True when it changed."""
    return bool(apply_status_updates([status_update]))


# What a batch reads of each stored status: StatusUpdate's own attribute names, in a named row, not a model instance.
_STATUS_FIELDS = ("pk", "wamid", "status", "timestamp", "callback_data", "error_code", "error_title", "payload")


def _in_order(updates):
    """One message's statuses in the order of its steps, whatever order Meta sent them in."""
    return sorted(updates, key=lambda update: (update.wamid, _ORDER.get(update.status, 5), update.timestamp))


def process_pending_statuses(pks):
    """Apply each stored, unprocessed status among ``pks`` once, oldest step first, and send ``status_updated``."""
    claimed = apply_batch(pks)
    if len(claimed) == len(pks):
        return
    # Statuses of a batch that failed before: one at a time, so that a single bad status is given up alone.
    retried = StatusUpdate.objects.filter(
        pk__in=set(pks) - claimed, processed_at__isnull=True, processing_attempts__gt=0
    ).select_related("site")
    event_claims.handle_claimed(_in_order(retried), apply_and_announce, "status update")


def apply_batch(pks):
    """Claim the statuses among ``pks`` never tried, apply them and mark them handled, in one transaction (on SQLite
    under the process's write lock); then announce them. Returns the pks it took care of: those claimed, or all of
    them when the batch failed (counted as one try, so the minute's task takes them again, one by one)."""
    try:
        with serialized_writes(), transaction.atomic():
            # The claim writes first, so that on SQLite the batch holds the write lock from its first statement.
            claimed = _in_order(event_claims.claim_handled(StatusUpdate, pks, _STATUS_FIELDS))
            forgotten = apply_and_forget(claimed)
    except Exception:  # noqa: BLE001 - a locked database, or a status no rule foresaw: tried again, one by one
        event_claims.count_failed_batch(StatusUpdate, pks, "status updates")
        return set(pks)
    _announce([update.pk for update in claimed if update.pk not in forgotten])
    return {update.pk for update in claimed}


def apply_and_announce(status_update):
    with transaction.atomic():  # a failure half-way leaves nothing behind for the retry
        forgotten = apply_and_forget([status_update])
    if not forgotten:
        send_signal(signals.status_updated, StatusUpdate, status_update=status_update, site=status_update.site)


def _announce(pks):
    """``status_updated`` for each of ``pks``, in their order. The rows are loaded as model instances (the signal's
    contract) only when someone listens: most sites never do, and a broadcast brings three statuses per message."""
    if not pks or not signals.status_updated.has_listeners(StatusUpdate):
        return
    rows = StatusUpdate.objects.select_related("site").in_bulk(pks)
    for pk in pks:
        if pk in rows:
            send_signal(signals.status_updated, StatusUpdate, status_update=rows[pk], site=rows[pk].site)


def apply_and_forget(updates):
    """Apply ``updates``; then delete those Meta repeated for deliveries whose recipient was erased (or is past
    retention), or for replies that are gone (erased, past retention, or the question of a subscription request that
    expired unconfirmed): such a row names them (recipient, wamid, payload), so it goes instead of bringing them back.
    Returns the pks deleted."""
    _moved, deliveries = _apply(updates)
    forgotten = {pk for pk, delivery in deliveries.items() if delivery.subscriber_id is None}
    by_reply = {Reply.pk_from_callback_data(update.callback_data): update.pk for update in updates}
    by_reply.pop(None, None)
    if by_reply:
        kept_replies = set(Reply.objects.filter(pk__in=by_reply).values_list("pk", flat=True))
        forgotten |= {update_pk for reply_pk, update_pk in by_reply.items() if reply_pk not in kept_replies}
    if forgotten:
        StatusUpdate.objects.filter(pk__in=forgotten).delete()
    return forgotten
