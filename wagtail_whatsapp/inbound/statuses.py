"""Status webhooks → Delivery rows and the Broadcast's counts, a batch at a time.

Statuses arrive out of order, twice, or skip a step (``read`` without ``delivered``): a delivery only ever moves
forward (sent < delivered < read), ``failed`` records Meta's error, and the broadcast's counts follow every move.
What Meta bills (the status's ``pricing`` object) is recorded on the delivery whether or not the status moves it.

Meta sends about three statuses per message while a broadcast is still sending, so they are applied in bulk: the
deliveries of a whole webhook's statuses are read and locked in one query, moved in memory by the rules above, and
written back with at most ``GROUPED_UPDATES`` UPDATEs (usually one), plus one UPDATE of the counts per broadcast. On
SQLite the batch takes the process's write lock (``writelock.py``), so the sender's threads in the same consumer wait
for it without SQLite's sleeping busy handler. A batch that fails is given back whole; when retried, its statuses go
one at a time, so that one odd status cannot hold back the others.
"""

import logging
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import F

from wagtail_whatsapp import signals
from wagtail_whatsapp.inbound import event_claims, owed_replies
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
GROUPED_UPDATES = 4  # at most this many UPDATEs per batch, one per distinct set of values; beyond, one bulk UPDATE
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
        # A webhook's statuses mostly share their new values (the same step, the same second, the same pricing): one
        # UPDATE per distinct set of them, usually one or two. Otherwise one UPDATE with a CASE per field.
        groups = defaultdict(list)
        for delivery, names in self.changed.items():
            groups[tuple(sorted((name, getattr(delivery, name)) for name in names))].append(delivery.pk)
        if len(groups) <= GROUPED_UPDATES:
            for values, pks in groups.items():
                Delivery.objects.filter(pk__in=pks).update(**dict(values))
        else:
            _update_each(self.changed)
        for broadcast_id, counts in self.counts.items():
            if counts:
                Broadcast.objects.filter(pk=broadcast_id).update(**{name: F(name) + n for name, n in counts.items()})
        if self.stopped_marketing:
            Subscriber.objects.filter(pk__in=self.stopped_marketing).update(marketing_stopped=True)


def _update_each(changed):
    """One UPDATE giving each delivery its own values: ``SET field = CASE id WHEN … THEN … ELSE field END``.

    Written by hand because Django's ``bulk_update`` builds an expression object per row and field, which cost more
    of the consumer's interpreter (shared with the sender's threads) than everything else in a batch together."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    pk_column = connection.ops.quote_name(Delivery._meta.pk.column)
    assignments, params = [], []
    for name in sorted(set().union(*changed.values())):
        field = Delivery._meta.get_field(name)
        column = connection.ops.quote_name(field.column)
        cases = []
        for delivery, names in changed.items():
            if name in names:
                cases.append(f"WHEN {pk_column} = %s THEN %s")
                params += [delivery.pk, field.get_db_prep_save(getattr(delivery, field.attname), connection)]
        case = f"CASE {' '.join(cases)} ELSE {column} END"
        if connection.features.requires_casted_case_in_updates:  # PostgreSQL: parameters untyped, NULLs included
            case = f"CAST({case} AS {field.cast_db_type(connection)})"
        assignments.append(f"{column} = {case}")
    pks = [delivery.pk for delivery in changed]
    sql = (
        f"UPDATE {table} SET {', '.join(assignments)} "  # noqa: S608 - only quoted names are formatted in
        f"WHERE {pk_column} IN ({', '.join(['%s'] * len(pks))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *pks])


def _deliveries_of(updates):
    """{status update pk: its Delivery}, locked until the transaction ends. A delivery is found by the callback data
    Meta echoes (our delivery id), else by its wamid (the latest delivery with it). Two queries at most."""
    wanted = {update.pk: Delivery.pk_from_callback_data(update.callback_data) for update in updates}
    # In primary-key order, so that two batches locking some of the same rows never deadlock (PostgreSQL).
    locked = Delivery.objects.select_for_update().only(*_FIELDS).order_by("pk")
    ids = {pk for pk in wanted.values() if pk is not None}
    by_pk = {delivery.pk: delivery for delivery in locked.filter(pk__in=ids)} if ids else {}
    wamids = {update.wamid for update in updates if wanted[update.pk] not in by_pk and update.wamid}
    by_wamid = {}
    for delivery in locked.filter(wamid__in=wamids) if wamids else ():
        by_wamid[delivery.wamid] = by_pk.setdefault(delivery.pk, delivery)  # the latest delivery wins
    found = {}
    for update in updates:
        delivery = by_pk.get(wanted[update.pk]) or by_wamid.get(update.wamid)
        if delivery is not None:
            found[update.pk] = delivery
    return found


def apply_status_updates(updates):
    """Move the deliveries of ``updates`` forward (in their order) and keep their Broadcasts' counts in step, in one
    transaction and a handful of queries whatever their number. Returns the pks of the updates that moved one."""
    # A reply's status (its callback data says so) settles the reply; every other one is a delivery's.
    settled = {update.pk for update in updates if owed_replies.settle(update)}
    updates = [update for update in updates if update.pk not in settled]
    if not updates:
        return settled
    with transaction.atomic():
        deliveries = _deliveries_of(updates)
        batch, moved = _Batch(), settled
        for update in updates:
            delivery = deliveries.get(update.pk)
            if delivery is not None and batch.move(delivery, update):
                moved.add(update.pk)
        batch.write()
    return moved


def apply_status_update(status_update):
    """Move the matching Delivery forward and keep its Broadcast's counts in step. Returns True when it changed."""
    return bool(apply_status_updates([status_update]))


def process_pending_statuses(pks):
    """Apply each stored, unprocessed status among ``pks`` once, oldest step first, and send ``status_updated``."""
    pending = list(StatusUpdate.objects.filter(pk__in=pks, processed_at__isnull=True).select_related("site"))
    pending.sort(key=lambda update: (update.wamid, _ORDER.get(update.status, 5), update.timestamp))
    retried = [update for update in pending if update.processing_attempts]
    if retried:  # a batch that failed before: one at a time, so that a single bad status is given up alone
        event_claims.handle_claimed(retried, apply_and_announce, "status update")
    fresh = [update for update in pending if not update.processing_attempts]
    if fresh:
        apply_batch(fresh)


def apply_batch(updates):
    with serialized_writes():
        claimed = event_claims.claim_all(updates)
    if not claimed:
        return
    try:
        with serialized_writes(), transaction.atomic():
            # Written first, so that on SQLite the batch holds the write lock from its first statement.
            event_claims.mark_handled(StatusUpdate, [update.pk for update in claimed])
            apply_status_updates(claimed)
            forgotten = _forget_statuses_of_forgotten_recipients(claimed)
    except Exception:  # noqa: BLE001 - a locked database, or a status no rule foresaw: tried again, one by one
        event_claims.give_back_all(StatusUpdate, [update.pk for update in claimed], "status updates")
        return
    for update in claimed:
        if update.pk not in forgotten:
            send_signal(signals.status_updated, StatusUpdate, status_update=update, site=update.site)


def apply_and_announce(status_update):
    with transaction.atomic():  # a failure half-way leaves nothing behind for the retry
        apply_status_update(status_update)
        forgotten = _forget_statuses_of_forgotten_recipients([status_update])
    if not forgotten:
        send_signal(signals.status_updated, StatusUpdate, status_update=status_update, site=status_update.site)


def _forget_statuses_of_forgotten_recipients(updates):
    """Meta repeated statuses of deliveries whose recipient was erased (or is past retention), or of replies that are
    gone (erased, past retention, or the question of a subscription request that expired unconfirmed): such a row
    names them (recipient, wamid, payload), so it goes instead of bringing them back. Returns the pks deleted."""
    by_delivery = {Delivery.pk_from_callback_data(update.callback_data): update.pk for update in updates}
    by_reply = {Reply.pk_from_callback_data(update.callback_data): update.pk for update in updates}
    by_delivery.pop(None, None)
    by_reply.pop(None, None)
    if not (by_delivery or by_reply):
        return set()
    orphaned = Delivery.objects.filter(pk__in=by_delivery, subscriber__isnull=True).values_list("pk", flat=True)
    forgotten = {by_delivery[pk] for pk in orphaned}
    kept_replies = set(Reply.objects.filter(pk__in=by_reply).values_list("pk", flat=True))
    forgotten |= {update_pk for reply_pk, update_pk in by_reply.items() if reply_pk not in kept_replies}
    if forgotten:
        StatusUpdate.objects.filter(pk__in=forgotten).delete()
    return forgotten
