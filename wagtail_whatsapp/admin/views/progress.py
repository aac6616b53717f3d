"""One broadcast's progress in the shape the report page and its JSON endpoint show.

The figures, rates and plain-language failure reasons come from ``outbound/progress.py``; this module only puts them
in one JSON-safe shape for the template and the polling script.
"""

from wagtail_whatsapp.models import Broadcast
from wagtail_whatsapp.outbound.progress import duration_label, progress_of

ACTIVE_STATUSES = (Broadcast.Status.QUEUED, Broadcast.Status.SENDING)


def progress_summary(broadcast):
    raw = progress_of(broadcast)
    percent = raw["percent_done"]
    reached_in = raw["time_to_last_delivered"]
    return {
        "id": broadcast.pk,
        "status": raw["status"],
        "status_label": raw["status_label"],
        "status_reason": str(raw["status_reason"]),
        "resumes_by_itself": raw["resumes_by_itself"],  # paused for WhatsApp's daily limit or an urgent alert
        "active": raw["status"] in ACTIVE_STATUSES,
        "percent": int(percent) if percent == int(percent) else percent,
        "recipients": raw["total"],
        "sent": raw["sent"],
        "delivered": raw["delivered"],
        "read": raw["read"],
        "failed": raw["failed"],
        "skipped": raw["skipped"],
        # "Waiting" for the editor: every recipient not reached yet, whether pending, in flight, held (daily limit,
        # retry) or without a delivery yet (quiet hours, before the sender starts).
        "pending": raw["waiting"],
        "waiting_reason": str(raw["waiting_reason"]),
        "not_sent": raw["not_sent"],  # a cancelled or failed broadcast will never reach them
        # Finished, but Meta's statuses still arrive: the report keeps refreshing delivered and read.
        "settling": raw["settling"],
        "polling": raw["status"] in ACTIVE_STATUSES or raw["settling"],
        # From the start to the last "delivered": how fast an urgent alert reached people.
        "time_to_last_delivered": {"seconds": int(reached_in.total_seconds()), "label": str(duration_label(reached_in))}
        if reached_in is not None
        else None,
        "rates": {"delivered": raw["delivery_rate"], "read": raw["read_rate"], "failed": raw["failure_rate"]},
        "failures": [
            {"reason": failure["reason"], "codes": [str(code) for code in failure["codes"]], "count": failure["count"]}
            for failure in raw["failures"]
        ],
    }
