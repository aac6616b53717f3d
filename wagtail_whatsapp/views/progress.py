"""One broadcast's progress in the shape the report page and its JSON endpoint show.

The figures come from the engine (``broadcasts.broadcast_progress``); this module only puts them in one stable shape,
adds labels and rates, and explains failures in plain language when the engine gives only a code.
"""

from django.utils.translation import gettext_lazy as _

from ..models import Broadcast

ACTIVE_STATUSES = (Broadcast.Status.QUEUED, Broadcast.Status.SENDING)
COUNT_KEYS = ("recipients", "sent", "delivered", "read", "failed", "skipped", "pending")

# What an editor should read for Meta's error codes (see docs/editors-guide.md, "Why did some messages fail?").
PLAIN_REASONS = {
    131026: _("The number cannot receive WhatsApp messages (not on WhatsApp, or a very old app)."),
    131047: _("More than 24 hours since the citizen last wrote, and no template could be used."),
    131049: _("WhatsApp limits how many marketing messages one person receives; try again tomorrow."),
    131050: _("The citizen has turned off marketing messages from the town in WhatsApp."),
    131051: _("WhatsApp does not support this kind of message."),
    131053: _("The image or video could not be uploaded (wrong format or too large)."),
    131056: _("Too many messages to the same person in a short time."),
    131048: _("WhatsApp limited the number because of low quality ratings (spam limit)."),
    190: _("The access token expired or is invalid: the administrator must renew it."),
    368: _("The number is blocked by Meta for policy violations."),
    131031: _("The WhatsApp Business account is locked."),
    131042: _("There is a payment problem on the WhatsApp Business account."),
    132001: _("The message template is missing or not approved."),
    132015: _("The message template is paused by Meta."),
    132016: _("The message template is disabled by Meta."),
}


def _number(value):
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def _failures(raw):
    """Accept ``[{"reason", "count", "code"?}]`` or ``{reason: count}``; return a list, largest group first."""
    if isinstance(raw, dict):
        raw = [{"reason": reason, "count": count} for reason, count in raw.items()]
    groups = []
    for item in raw or []:
        code = item.get("code") if isinstance(item, dict) else None
        reason = str(item.get("reason") or "") if isinstance(item, dict) else str(item)
        plain = PLAIN_REASONS.get(_number(code)) if code is not None else None
        groups.append(
            {
                "reason": str(plain or reason or _("Unknown reason")),
                "detail": reason if plain and reason and reason != str(plain) else "",
                "code": code,
                "count": _number(item.get("count") if isinstance(item, dict) else 1),
            }
        )
    return sorted(groups, key=lambda group: -group["count"])


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


def progress_summary(broadcast):
    from .. import broadcasts as engine

    raw = engine.broadcast_progress(broadcast) or {}
    counts_source = raw.get("counts") if isinstance(raw.get("counts"), dict) else raw
    counts = {key: _number(counts_source.get(key)) for key in COUNT_KEYS}
    if not counts["recipients"]:
        counts["recipients"] = _number(broadcast.recipients_count) or sum(
            counts[key] for key in ("sent", "failed", "skipped", "pending")
        )
    done = counts["recipients"] - counts["pending"]
    percent = raw.get("percent")
    percent = _number(percent) if percent is not None else (round(100 * done / counts["recipients"]) if done else 0)
    status = str(raw.get("status") or broadcast.status)
    return {
        "id": broadcast.pk,
        "status": status,
        "status_label": str(dict(Broadcast.Status.choices).get(status, status)),
        "status_reason": str(raw.get("reason") or raw.get("status_reason") or broadcast.status_reason or ""),
        "active": status in ACTIVE_STATUSES,
        "percent": min(percent, 100),
        **counts,
        # Rates as the editor reads them: of the messages sent, how many arrived and were read;
        # of all recipients, how many failed.
        "rates": {
            "delivered": _rate(counts["delivered"], counts["sent"]),
            "read": _rate(counts["read"], counts["sent"]),
            "failed": _rate(counts["failed"], counts["recipients"]),
        },
        "failures": _failures(raw.get("failures") or raw.get("failures_by_reason")),
    }
