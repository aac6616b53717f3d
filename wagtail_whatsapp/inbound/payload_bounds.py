"""What a webhook payload may put in the database: text every database accepts, and a bounded shape.

A signed payload is Meta's, but what it carries was typed by anyone: a profile name cut in the middle of an emoji
arrives as a lone UTF-16 surrogate (SQLite cannot encode it), a ``\\u0000`` is refused by PostgreSQL in text and in
JSON alike, and a value nested a few hundred levels deep is stored fine but then breaks every page that decodes it.
``storable`` is applied once to the whole payload, before anything is read out of it, so every string stored (columns
and JSON payloads) is clean, the same way on every database.
"""

import math
import re

MAX_DEPTH = 32  # Meta's deepest payloads (interactive replies inside the envelope) stay under 12 levels
MAX_STRING = 8192  # characters of one string inside a stored JSON payload (a message's text has its own column)
DEPTH_MARKER = "[nested too deep: not stored]"
CUT_MARKER = "… [cut]"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value):
    """``value`` without NULs, each lone surrogate replaced by U+FFFD (valid pairs never survive ``json.loads``)."""
    if value.isascii() and "\x00" not in value:  # most of what Meta sends: nothing to replace, no expression to run
        return value
    return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))


# Both walks below see every value of a webhook (a broadcast's status webhooks bring a hundred statuses a POST): the
# plain leaves (ASCII text, numbers, booleans, null) are handled inline rather than by a call each.
_PLAIN = (int, bool, type(None))


def storable(value, depth=0):
    """A copy of a decoded JSON ``value`` that every database stores and gives back: clean text, keys as strings,
    parts deeper than ``MAX_DEPTH`` replaced by ``DEPTH_MARKER``. The whole message text is kept: it is read before
    payloads are cut (``bounded``)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:
        return DEPTH_MARKER
    if isinstance(value, dict):
        return {
            (key if type(key) is str and key.isascii() and "\x00" not in key else clean_text(str(key))): (
                item
                if (type(item) is str and item.isascii() and "\x00" not in item) or type(item) in _PLAIN
                else storable(item, depth + 1)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [storable(item, depth + 1) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # json.loads reads NaN and Infinity; PostgreSQL's jsonb refuses them
    return value


def bounded(value):
    """``value`` (already ``storable``) with each string longer than ``MAX_STRING`` cut: for the JSON payloads kept
    beside the columns, so one message cannot make the inbox heavy to read."""
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING else value[:MAX_STRING] + CUT_MARKER
    if isinstance(value, dict):
        return {
            key: item if (type(item) is str and len(item) <= MAX_STRING) or type(item) in _PLAIN else bounded(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [bounded(item) for item in value]
    return value
