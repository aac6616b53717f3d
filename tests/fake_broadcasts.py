"""A stand-in for ``wagtail_whatsapp.broadcasts`` (the sending engine, built on another branch) that keeps its
contract: same names, same arguments, same results, real Broadcast/Delivery rows, no sending.

Installed by the ``broadcast_engine`` fixture until the real engine is merged.
"""

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from wagtail.log_actions import log

from wagtail_whatsapp.backends.base import SendResult
from wagtail_whatsapp.models import Broadcast, Delivery, MessageTemplate, Subscriber
from wagtail_whatsapp.numbers import InvalidNumber, normalise_number

test_messages = []  # (number, message) of every test send, newest last


class BroadcastRefused(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass
class BroadcastPlan:
    site: object
    page: object
    message: str
    image: object = None
    video: object = None
    recipients: int = 0
    template_recipients: int = 0
    freeform_recipients: int = 0
    template: object = None
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    previous_broadcasts: list = field(default_factory=list)


def plan_broadcast(page, site=None):
    site = site or page.get_site()
    active = list(Subscriber.objects.filter(site=site, status=Subscriber.Status.ACTIVE))
    inside = sum(1 for subscriber in active if subscriber.in_service_window())
    template = MessageTemplate.objects.filter(status=MessageTemplate.Status.APPROVED).first()
    problems = []
    if not active:
        problems.append("Nobody is subscribed yet.")
    if len(active) - inside and template is None:
        problems.append("No approved broadcast template is chosen in the WhatsApp settings.")
    return BroadcastPlan(
        site=site,
        page=page,
        message=page.get_whatsapp_message(),
        image=page.get_whatsapp_image(),
        video=None if page.get_whatsapp_image() else page.get_whatsapp_video(),
        recipients=len(active),
        template_recipients=len(active) - inside,
        freeform_recipients=inside,
        template=template,
        problems=problems,
        previous_broadcasts=list(Broadcast.objects.filter(page=page)),
    )


def start_broadcast(page, *, user=None, revision=None, site=None, once_per_revision=False):
    revision = revision or page.live_revision
    if once_per_revision and Broadcast.objects.filter(revision=revision).exists():
        return None
    plan = plan_broadcast(page, site)
    if plan.problems:
        raise BroadcastRefused(plan.problems[0])
    broadcast = Broadcast.objects.create(
        site=plan.site,
        page=page,
        revision=revision,
        title=page.title,
        url=page.full_url or "",
        message=plan.message,
        template=plan.template,
        created_by=user,
        recipients_count=plan.recipients,
    )
    Delivery.objects.bulk_create(
        Delivery(broadcast=broadcast, subscriber=subscriber)
        for subscriber in Subscriber.objects.filter(site=plan.site, status=Subscriber.Status.ACTIVE)
    )
    log(instance=page, action="wagtail.edit", user=user, data={"whatsapp_broadcast": broadcast.pk})
    return broadcast


def send_test_message(page, number, *, user=None, site=None):
    try:
        number = normalise_number(number)
    except InvalidNumber as error:
        raise BroadcastRefused("This is not a valid phone number.") from error
    test_messages.append((number, page.get_whatsapp_message()))
    return SendResult(wamid=f"wamid.test{len(test_messages)}")


def _set_status(broadcast, status, allowed, reason=""):
    if broadcast.status not in allowed:
        raise BroadcastRefused(f"A broadcast that is {broadcast.status} cannot be changed.")
    broadcast.status, broadcast.status_reason = status, reason
    broadcast.save(update_fields=["status", "status_reason"])


def pause_broadcast(broadcast, user=None, reason=""):
    _set_status(broadcast, Broadcast.Status.PAUSED, (Broadcast.Status.QUEUED, Broadcast.Status.SENDING), reason)


def resume_broadcast(broadcast, user=None):
    _set_status(broadcast, Broadcast.Status.SENDING, (Broadcast.Status.PAUSED,))


def cancel_broadcast(broadcast, user=None):
    _set_status(
        broadcast,
        Broadcast.Status.CANCELLED,
        (Broadcast.Status.QUEUED, Broadcast.Status.SENDING, Broadcast.Status.PAUSED),
    )


def broadcast_progress(broadcast):
    by_status = dict(
        Delivery.objects.filter(broadcast=broadcast).values_list("status").annotate(n=Count("pk")).order_by()
    )
    read = by_status.get("read", 0)
    delivered = by_status.get("delivered", 0) + read
    sent = by_status.get("sent", 0) + delivered
    failures = (
        Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.FAILED)
        .values("error_code", "error_reason")
        .annotate(count=Count("pk"))
        .order_by("-count")
    )
    total = sum(by_status.values())
    pending = by_status.get("pending", 0) + by_status.get("sending", 0)
    return {
        "status": broadcast.status,
        "counts": {
            "recipients": total,
            "sent": sent,
            "delivered": delivered,
            "read": read,
            "failed": by_status.get("failed", 0),
            "skipped": by_status.get("skipped", 0),
            "pending": pending,
        },
        "percent": round(100 * (total - pending) / total) if total else 0,
        "failures": [
            {"code": row["error_code"], "reason": row["error_reason"], "count": row["count"]} for row in failures
        ],
        "checked_at": timezone.now().isoformat(),
    }
