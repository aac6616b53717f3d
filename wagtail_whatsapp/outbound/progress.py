"""How far a broadcast is, and why some messages failed, in words an editor understands."""

from datetime import timedelta

from django.db.models import Count, Max
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound.schedule import held_by_quiet_hours, quiet_hours_end

# Meta's statuses keep coming after the last message went out: most "delivered" within minutes, "read" for hours.
# A finished broadcast's figures are "settling" (the report keeps refreshing them) until no status has arrived for
# SETTLING_QUIET, and never longer than SETTLING_LIMIT after its end; later reads show on the next reload.
SETTLING_QUIET = timedelta(minutes=30)
SETTLING_LIMIT = timedelta(hours=24)

FINISHED_STATUSES = (Broadcast.Status.DONE, Broadcast.Status.CANCELLED, Broadcast.Status.FAILED)

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


def _last_status_at(broadcast):
    """The time of Meta's latest status for this broadcast (its latest sent, delivered, read or failed time)."""
    latest = Delivery.objects.filter(broadcast=broadcast).aggregate(
        Max("sent_at"), Max("delivered_at"), Max("read_at"), Max("failed_at")
    )
    moments = [moment for moment in latest.values() if moment is not None]
    return max(moments) if moments else None


def time_to_last_delivered(broadcast):
    """From the start of the sending to the last "delivered" Meta reported (a "read" that came without its
    "delivered" counts at its read time): how long the town took to reach everyone it reached, the figure an urgent
    alert is judged by. None before anything was delivered."""
    if broadcast.started_at is None:
        return None
    last = Delivery.objects.filter(
        broadcast=broadcast, status__in=(Delivery.Status.DELIVERED, Delivery.Status.READ)
    ).aggregate(last=Max(Coalesce("delivered_at", "read_at")))["last"]
    return max(last - broadcast.started_at, timedelta(0)) if last is not None else None


def duration_label(duration):
    """``2 h 05 min``, ``4 min 30 s``, ``12 s``: a duration as the report shows it."""
    seconds = int(round(duration.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min %(seconds)02d s") % {"minutes": minutes, "seconds": seconds}
    return _("%(seconds)d s") % {"seconds": seconds}


def is_settling(broadcast, now=None):
    """True while a finished broadcast's delivered and read figures may still grow (see SETTLING_QUIET)."""
    if broadcast.status not in FINISHED_STATUSES or broadcast.finished_at is None:
        return False
    now = now or timezone.now()
    if now - broadcast.finished_at >= SETTLING_LIMIT:
        return False  # not worth reading every delivery's times again
    latest = max(broadcast.finished_at, _last_status_at(broadcast) or broadcast.finished_at)
    return now - latest < SETTLING_QUIET


def waiting_reason(broadcast):
    """Why the recipients not yet reached wait, when it is not the sending itself: the quiet hours before it starts
    (a paused broadcast says why in its ``status_reason``)."""
    if broadcast.status == Broadcast.Status.SCHEDULED and broadcast.scheduled_for is not None:
        return _("Scheduled: it starts by itself on %(time)s.") % {
            "time": date_format(timezone.localtime(broadcast.scheduled_for), "DATETIME_FORMAT")
        }
    if broadcast.status == Broadcast.Status.QUEUED and broadcast.started_at is None and held_by_quiet_hours(broadcast):
        return _("Quiet hours: sending starts at %(time)s.") % {
            "time": quiet_hours_end(broadcast.site).strftime("%H:%M")
        }
    return ""


def progress_of(broadcast):
    """Status, counts, percentage done, rates and failures grouped by reason, from the deliveries themselves."""
    broadcast.refresh_from_db()
    by_status = dict(
        Delivery.objects.filter(broadcast=broadcast).values_list("status").annotate(n=Count("pk")).order_by()
    )
    counted = sum(by_status.values())
    # Until the sender has created one delivery per recipient (it does so when it starts: after the quiet hours, or
    # half-way through), the recipients without one wait too.
    total = counted if broadcast.fanned_out_at else max(counted, broadcast.recipients_count)
    pending = by_status.get(Delivery.Status.PENDING, 0)
    in_flight = by_status.get(Delivery.Status.SENDING, 0)
    read = by_status.get(Delivery.Status.READ, 0)
    delivered = by_status.get(Delivery.Status.DELIVERED, 0) + read
    sent = by_status.get(Delivery.Status.SENT, 0) + delivered
    failed = by_status.get(Delivery.Status.FAILED, 0)
    skipped = by_status.get(Delivery.Status.SKIPPED, 0)
    handled = sent + failed + skipped
    finished = broadcast.status in FINISHED_STATUSES
    # Everyone not handled yet: pending, in flight, held for a retry or the daily limit, or without a delivery yet.
    # A finished broadcast (cancelled, failed) will never reach them: they are "not sent", not waiting.
    unreached = max(total - handled, 0)
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
        # Paused for the daily limit (until ``resume_at``) or for an urgent alert (``yielded_to``): no editor needed.
        "resumes_by_itself": broadcast.status == Broadcast.Status.PAUSED
        and (broadcast.resume_at is not None or broadcast.yielded_to is not None),
        "finished": finished,
        "settling": is_settling(broadcast),
        "waiting": 0 if finished else unreached,
        "waiting_reason": waiting_reason(broadcast),
        "not_sent": unreached if finished else 0,
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
        "time_to_last_delivered": time_to_last_delivered(broadcast),
    }
