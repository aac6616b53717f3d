"""Ids read from a query string: whatever an admin link puts there, or anything a hand-typed URL does."""

from wagtail_whatsapp.ids import parse_id


def query_id(request, name):
    """The id in ``request.GET[name]``, or None when it is missing or cannot be an id."""
    return parse_id(request.GET.get(name, ""))
