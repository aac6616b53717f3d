"""One broadcast's progress in the shape the report page and its JSON endpoint show.

The figures, rates and plain-language failure reasons come from the engine (``broadcasts.broadcast_progress``);
this module only puts them in one stable, JSON-safe shape for the template and the polling script.
"""

from ..models import Broadcast

ACTIVE_STATUSES = (Broadcast.Status.QUEUED, Broadcast.Status.SENDING)


def _number(value):
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def _percent(value):
    try:
        return min(max(round(float(value or 0), 1), 0.0), 100.0)
    except (TypeError, ValueError):
        return 0.0


def _failures(groups):
    failures = []
    for group in groups or []:
        codes = group.get("codes") or ([group["code"]] if group.get("code") is not None else [])
        failures.append(
            {
                "reason": str(group.get("reason") or ""),
                "codes": [str(code) for code in codes],
                "count": _number(group.get("count")),
            }
        )
    return sorted(failures, key=lambda failure: -failure["count"])


def progress_summary(broadcast):
    from .. import broadcasts as engine

    raw = engine.broadcast_progress(broadcast)
    status = str(raw.get("status") or broadcast.status)
    # "Waiting" for the editor: not yet handled, whether queued or in flight right now.
    waiting = _number(raw.get("pending")) + _number(raw.get("sending"))
    percent = _percent(raw.get("percent_done"))
    return {
        "id": broadcast.pk,
        "status": status,
        "status_label": str(raw.get("status_label") or dict(Broadcast.Status.choices).get(status, status)),
        "status_reason": str(raw.get("status_reason") or ""),
        "resumes_by_itself": bool(raw.get("resumes_by_itself")),  # paused for WhatsApp's daily limit
        "active": status in ACTIVE_STATUSES,
        "percent": int(percent) if percent == int(percent) else percent,
        "recipients": _number(raw.get("total")),
        "sent": _number(raw.get("sent")),
        "delivered": _number(raw.get("delivered")),
        "read": _number(raw.get("read")),
        "failed": _number(raw.get("failed")),
        "skipped": _number(raw.get("skipped")),
        "pending": waiting,
        "rates": {
            "delivered": _percent(raw.get("delivery_rate")),
            "read": _percent(raw.get("read_rate")),
            "failed": _percent(raw.get("failure_rate")),
        },
        "failures": _failures(raw.get("failures")),
    }
