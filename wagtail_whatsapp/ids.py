"""Database ids written as text by someone else: a query string, the callback data Meta sends back."""

MAX_ID = 2**63 - 1  # the largest id a database column holds (SQLite raises OverflowError past it)


def parse_id(value):
    """The positive id ``value`` spells, or None when it cannot be one.

    ``str.isdigit`` alone is not enough: "²" is a digit to Python but not to ``int``, and a 10,000-digit string is
    more than ``int`` converts."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) <= MAX_ID:
        return int(value)
    return None
