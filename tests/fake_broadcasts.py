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
    template_spec: dict = field(default_factory=dict)


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
        template_spec=_template_spec(page) if template else {},
    )


def _template_spec(page):
    """Positional parameters as the engine fills them by default: {{1}} title, {{2}} summary; URL button suffix."""
    values = page.get_whatsapp_template_parameters()
    return {
        "header": "",
        "header_text": None,
        "named": False,
        "body": [{"name": "1", "text": values["title"]}, {"name": "2", "text": values["summary"]}],
        "buttons": [{"index": "0", "text": values["url_path"]}],
    }


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
        raise BroadcastRefused(f"“{number}” is not a valid phone number.") from error
    test_messages.append((number, page.get_whatsapp_message()))
    return SendResult(wamid=f"wamid.test{len(test_messages)}")


def _set_status(broadcast, status, allowed, reason=""):
    """Like the engine: False (and no change) when the current status does not allow it."""
    moved = Broadcast.objects.filter(pk=broadcast.pk, status__in=allowed).update(status=status, status_reason=reason)
    broadcast.refresh_from_db()
    return bool(moved)


def pause_broadcast(broadcast, user=None, reason=""):
    return _set_status(broadcast, Broadcast.Status.PAUSED, (Broadcast.Status.QUEUED, Broadcast.Status.SENDING), reason)


def resume_broadcast(broadcast, user=None):
    return _set_status(broadcast, Broadcast.Status.QUEUED, (Broadcast.Status.PAUSED,))


def cancel_broadcast(broadcast, user=None):
    return _set_status(
        broadcast,
        Broadcast.Status.CANCELLED,
        (Broadcast.Status.QUEUED, Broadcast.Status.SENDING, Broadcast.Status.PAUSED),
        "Cancelled.",
    )


FAILURE_REASONS = {131026: "The number cannot receive WhatsApp messages (not on WhatsApp or an old app)."}


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


def broadcast_progress(broadcast):
    """The engine's shape: flat counts, percent_done, *_rate in percent, failures grouped by plain reason."""
    broadcast.refresh_from_db()
    by_status = dict(
        Delivery.objects.filter(broadcast=broadcast).values_list("status").annotate(n=Count("pk")).order_by()
    )
    read = by_status.get("read", 0)
    delivered = by_status.get("delivered", 0) + read
    sent = by_status.get("sent", 0) + delivered
    failed, skipped = by_status.get("failed", 0), by_status.get("skipped", 0)
    total = sum(by_status.values()) or broadcast.recipients_count
    failures = {}
    rows = Delivery.objects.filter(broadcast=broadcast, status="failed").values_list("error_code")
    for code, count in rows.annotate(n=Count("pk")).order_by():
        reason = FAILURE_REASONS.get(code, "Another error (see the code).")
        entry = failures.setdefault(reason, {"reason": reason, "codes": [], "count": 0})
        entry["count"] += count
        entry["codes"].append(code)
    return {
        "status": broadcast.status,
        "status_label": str(Broadcast.Status(broadcast.status).label),
        "status_reason": broadcast.status_reason,
        "total": total,
        "pending": by_status.get("pending", 0),
        "sending": by_status.get("sending", 0),
        "sent": sent,
        "delivered": delivered,
        "read": read,
        "failed": failed,
        "skipped": skipped,
        "percent_done": _rate(sent + failed + skipped, total),
        "delivery_rate": _rate(delivered, sent),
        "read_rate": _rate(read, delivered),
        "failure_rate": _rate(failed, total),
        "failures": sorted(failures.values(), key=lambda entry: -entry["count"]),
        "started_at": broadcast.started_at,
        "finished_at": timezone.now() if broadcast.status == "done" else None,
    }
