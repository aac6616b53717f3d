"""Reading single values out of a webhook payload that anyone may have sent: type-safe field readers, Unix
timestamps, Meta's error objects, and the readable content of each message type.

Each reader returns an empty value of the right type for anything unexpected (a number where a string should be, a
list where an object should be), never raises: events.py decides what a missing value means.
"""

import datetime

# Message types whose text can be a keyword (a quick-reply button "CANCELLAMI" unsubscribes too).
TEXT_TYPES = {"text", "button", "interactive"}
MEDIA_TYPES = {"image", "video", "audio", "document", "sticker"}
# A sane window for Unix timestamps: Meta's are seconds; anything outside is garbage, not a date.
_MIN_TIMESTAMP, _MAX_TIMESTAMP = 946684800, 4102444800  # 2000-01-01 .. 2100-01-01
_MIN_INT, _MAX_INT = -(2**31), 2**31 - 1  # an IntegerField on every database


def text(value, max_length=None, strip=True):
    """``value`` if it is a string (cut to ``max_length``), else ``""``: never a number, list or None."""
    if not isinstance(value, str):
        return ""
    value = value.strip() if strip else value
    return value[:max_length] if max_length else value


def as_dict(value):
    return value if isinstance(value, dict) else {}


def as_list(value):
    return value if isinstance(value, list) else []


def parse_timestamp(value):
    """Meta sends Unix seconds as a string (or, in newer fields, a number). ``None`` when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 12:
        value = int(value.strip())
    if not isinstance(value, (int, float)) or value != value:  # NaN
        return None
    if not _MIN_TIMESTAMP <= value <= _MAX_TIMESTAMP:
        return None
    return datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC)


def error_code(errors):
    """``(code, title, details)`` of the first of Meta's ``errors``; code None when it is not an integer."""
    first = as_dict(as_list(errors)[0]) if as_list(errors) else {}
    code = first.get("code")
    if isinstance(code, bool) or not isinstance(code, int) or not _MIN_INT <= code <= _MAX_INT:
        code = None  # stored in an integer column: what no database holds is no error code of Meta's
    title = text(first.get("title"), 512) or text(first.get("message"), 512)
    return code, title, text(as_dict(first.get("error_data")).get("details"), 1000)


def pricing(status):
    """Meta's ``pricing`` object of a status as ``{"billable", "category", "pricing_model", "type"}``, or None when
    the status carries none. ``billable`` is None unless Meta sent a real boolean; texts are lower case."""
    value = status.get("pricing") if isinstance(status, dict) else None
    if not isinstance(value, dict):
        return None
    billable = value.get("billable")
    return {
        "billable": billable if isinstance(billable, bool) else None,
        "category": text(value.get("category"), 32).lower(),
        "pricing_model": text(value.get("pricing_model"), 16).upper(),
        "type": text(value.get("type"), 32).lower(),
    }


def message_content(message, message_type):
    """(text, media_id, mime_type) of a message, whatever its type; empty strings when absent."""
    body = as_dict(message.get(message_type))
    if message_type == "text":
        return text(body.get("body"), strip=False), "", ""  # as typed: the consent log keeps the exact text
    if message_type in MEDIA_TYPES:
        return text(body.get("caption")), text(body.get("id"), 128), text(body.get("mime_type"), 128)
    if message_type == "button":
        return text(body.get("text")) or text(body.get("payload")), "", ""
    if message_type == "interactive":
        reply = as_dict(body.get("button_reply")) or as_dict(body.get("list_reply"))
        return text(reply.get("title")), "", ""
    if message_type == "reaction":
        return text(body.get("emoji")), "", ""
    if message_type == "system":
        return text(body.get("body")), "", ""
    if message_type == "location":
        parts = [text(body.get("name")), text(body.get("address"))]
        return ", ".join(part for part in parts if part), "", ""
    return "", "", ""
