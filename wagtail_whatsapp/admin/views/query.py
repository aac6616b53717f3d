"""Ids read from a query string: whatever an admin link puts there, or anything a hand-typed URL does."""

from wagtail_whatsapp.ids import parse_id


def query_id(request, name):
    """The id in ``request.GET[name]``, or None when it is missing or cannot be an id."""
    return parse_id(request.GET.get(name, ""))


def selected_ids(values, limit):
    """The ids of rows ticked in a list (``?id=3&id=5`` or the same in a form), or None when there are none, more
    than ``limit``, or one that cannot be an id: a selection is taken whole or refused, never half-read."""
    ids = [parse_id(value) for value in values]
    if not ids or len(ids) > limit or None in ids:
        return None
    return list(dict.fromkeys(ids))
