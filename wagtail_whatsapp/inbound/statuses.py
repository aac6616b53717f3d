"""Status webhooks → Delivery rows and the Broadcast's counts.

Statuses arrive out of order, twice, or skip a step (``read`` without ``delivered``): a delivery only ever moves
forward (sent < delivered < read), ``failed`` records Meta's error, and the broadcast's counts follow every move.
What Meta bills (the status's ``pricing`` object) is recorded on the delivery whether or not the status moves it.
"""

import logging

from django.db import transaction
from django.db.models import F

from wagtail_whatsapp import signals
from wagtail_whatsapp.inbound import event_claims, owed_replies
from wagtail_whatsapp.inbound.event_values import pricing as pricing_of
from wagtail_whatsapp.inbound.notify import send_signal
from wagtail_whatsapp.models import Broadcast, Delivery, StatusUpdate, Subscriber

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


def record_pricing(delivery, status_update):
    """Store the status's ``pricing`` on the delivery, unless a more advanced status already gave one.

    Idempotent: a replayed or late status never overwrites a later one's (one conditional UPDATE).
    """
    pricing = pricing_of(status_update.payload)
    rank = _PRICING_RANK.get(status_update.status)
    if pricing is None or rank is None:
        return False
    return bool(
        Delivery.objects.filter(pk=delivery.pk, pricing_rank__lte=rank).update(
            billable=pricing["billable"],
            billing_category=pricing["category"],
            pricing_model=pricing["pricing_model"],
            pricing_type=pricing["type"],
            pricing_rank=rank,
        )
    )


def find_delivery(status_update):
    delivery_id = Delivery.pk_from_callback_data(status_update.callback_data)
    if delivery_id is not None:
        delivery = Delivery.objects.filter(pk=delivery_id).first()
        if delivery is not None:
            return delivery
    if status_update.wamid:
        return Delivery.objects.filter(wamid=status_update.wamid).order_by("-pk").first()
    return None


def apply_status_update(status_update):
    """Move the matching Delivery forward and keep its Broadcast's counts in step. Returns True when it changed."""
    if owed_replies.settle(status_update):
        return True
    delivery = find_delivery(status_update)
    if delivery is None:
        return False
    record_pricing(delivery, status_update)
    new_status = status_update.status
    current = delivery.status
    if current in (Delivery.Status.FAILED, Delivery.Status.SKIPPED):
        return False  # final: a late "sent" must not revive a failed delivery
    changes, counters = {}, []
    if new_status == "failed":
        if _RANK.get(current, 0) >= 2:
            return False  # already delivered or read: a stray failure cannot undo that
        changes = {
            "status": Delivery.Status.FAILED,
            "failed_at": status_update.timestamp,
            "error_code": status_update.error_code,
            "error_reason": status_update.error_title or "",
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
                    changes[time_field] = status_update.timestamp
        if not delivery.wamid:
            changes["wamid"] = status_update.wamid
    else:
        return False  # "played" and future statuses: stored, nothing to move

    # Conditional update: when two workers race on the same delivery, only one moves it.
    moved = Delivery.objects.filter(pk=delivery.pk, status=current).update(**changes)
    if not moved:
        return False
    if counters:
        Broadcast.objects.filter(pk=delivery.broadcast_id).update(**{name: F(name) + 1 for name in counters})
    if status_update.error_code == USER_STOPPED_MARKETING and delivery.subscriber_id:
        Subscriber.objects.filter(pk=delivery.subscriber_id).update(marketing_stopped=True)
    return True


def process_pending_statuses(pks):
    """Apply each stored, unprocessed status among ``pks`` once, oldest step first, and send ``status_updated``."""
    pending = list(StatusUpdate.objects.filter(pk__in=pks, processed_at__isnull=True).select_related("site"))
    order = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
    pending.sort(key=lambda update: (update.wamid, order.get(update.status, 5), update.timestamp))
    event_claims.handle_claimed(pending, apply_and_announce, "status update")


def apply_and_announce(status_update):
    # Atomic: a failure between moving the delivery and counting it must not leave the count behind on a retry.
    with transaction.atomic():
        apply_status_update(status_update)
    if _recipient_was_forgotten(status_update):
        # Meta repeated a status of a delivery whose recipient was erased (or is past retention): the row names
        # them (recipient, wamid, payload), so it goes instead of bringing them back.
        StatusUpdate.objects.filter(pk=status_update.pk).delete()
        return
    send_signal(signals.status_updated, StatusUpdate, status_update=status_update, site=status_update.site)


def _recipient_was_forgotten(status_update):
    delivery_id = Delivery.pk_from_callback_data(status_update.callback_data)
    return delivery_id is not None and Delivery.objects.filter(pk=delivery_id, subscriber__isnull=True).exists()
