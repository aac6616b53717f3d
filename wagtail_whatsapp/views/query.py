"""Ids read from a query string: whatever an admin link puts there, or anything a hand-typed URL does."""

MAX_ID = 2**63 - 1  # the largest id a database column holds (SQLite raises OverflowError past it: a 500)


def query_id(request, name):
    """The id in ``request.GET[name]``, or None when it is missing or cannot be an id.

    ``str.isdigit`` alone is not enough: "²" is a digit to Python but not to ``int``, and a 10,000-digit string is
    more than ``int`` converts."""
    value = request.GET.get(name, "")
    if value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) <= MAX_ID:
        return int(value)
    return None
