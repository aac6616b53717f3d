"""How far a broadcast is, and why some messages failed, in words an editor understands."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.models import Broadcast, Delivery

# Meta's error codes (see docs/broadcasting.md) → what an editor can make of them.
FAILURE_REASONS = {
    131026: _("The number cannot receive WhatsApp messages (not on WhatsApp or an old app)."),
    131047: _("The person had not written in the last 24 hours and no template was used."),
    # Meta's cap counts promotional messages from every business; the delivery is not retried (docs/going-live.md).
    131049: _(
        "WhatsApp's cap on promotional messages per person was reached (it counts every business's messages): not "
        "delivered to this person, who still gets the next broadcasts. Sending the page again would not help."
    ),
    131050: _("The person has stopped promotional messages from this number in WhatsApp."),
    131051: _("WhatsApp does not support this kind of message."),
    131053: _("WhatsApp could not use the image or video."),
    131056: _("Too many messages to the same person in a short time."),
    131048: _("WhatsApp is limiting this number because of its quality rating."),
    130429: _("Sent too fast: WhatsApp asked to slow down."),
    131000: _("A temporary problem at WhatsApp."),
    131008: _("A parameter of the message is missing."),
    131009: _("A parameter of the message is not valid."),
    100: _("A parameter of the message is not valid."),
    190: _("The access token is not valid or has expired."),
    368: _("The number is blocked for policy violations."),
    131031: _("The WhatsApp account is locked."),
    131042: _("There is a payment problem on the WhatsApp account."),
    132000: _("The template parameters do not match the template."),
    132001: _("The template does not exist or is not approved in this language."),
    132005: _("The template text is too long once filled."),
    132007: _("The template breaks WhatsApp's policy."),
    132015: _("The template is paused by WhatsApp."),
    132016: _("The template is disabled by WhatsApp."),
}
UNKNOWN_FAILURE = _("Another error (see the code).")
NO_CODE_FAILURE = _("The message could not be sent after several attempts.")


def failure_reason(code):
    if code is None:
        return NO_CODE_FAILURE
    return FAILURE_REASONS.get(code, UNKNOWN_FAILURE)


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


def progress_of(broadcast):
    """Status, counts, percentage done, rates and failures grouped by reason, from the deliveries themselves."""
    broadcast.refresh_from_db()
    by_status = dict(
        Delivery.objects.filter(broadcast=broadcast).values_list("status").annotate(n=Count("pk")).order_by()
    )
    total = sum(by_status.values()) or broadcast.recipients_count
    pending = by_status.get(Delivery.Status.PENDING, 0)
    in_flight = by_status.get(Delivery.Status.SENDING, 0)
    read = by_status.get(Delivery.Status.READ, 0)
    delivered = by_status.get(Delivery.Status.DELIVERED, 0) + read
    sent = by_status.get(Delivery.Status.SENT, 0) + delivered
    failed = by_status.get(Delivery.Status.FAILED, 0)
    skipped = by_status.get(Delivery.Status.SKIPPED, 0)
    handled = sent + failed + skipped
    failures = {}
    rows = (
        Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.FAILED)
        .values_list("error_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for code, count in rows:
        reason = str(failure_reason(code))
        entry = failures.setdefault(reason, {"reason": reason, "codes": [], "count": 0})
        entry["count"] += count
        if code is not None:
            entry["codes"].append(code)
    return {
        "status": broadcast.status,
        "status_label": str(Broadcast.Status(broadcast.status).label),
        "status_reason": broadcast.status_reason,
        "resumes_by_itself": broadcast.status == Broadcast.Status.PAUSED and broadcast.resume_at is not None,
        "finished": broadcast.status in (Broadcast.Status.DONE, Broadcast.Status.CANCELLED, Broadcast.Status.FAILED),
        "total": total,
        "pending": pending,
        "sending": in_flight,
        "sent": sent,
        "delivered": delivered,
        "read": read,
        "failed": failed,
        "skipped": skipped,
        "percent_done": _rate(handled, total) if total else (100.0 if broadcast.status == "done" else 0.0),
        "delivery_rate": _rate(delivered, sent),
        "read_rate": _rate(read, delivered),
        "failure_rate": _rate(failed, total),
        "failures": sorted(failures.values(), key=lambda entry: -entry["count"]),
        "started_at": broadcast.started_at,
        "finished_at": broadcast.finished_at,
    }
