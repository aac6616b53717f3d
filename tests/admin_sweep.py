"""The admin bad-input sweep (tests/test_admin_bad_input.py): the plugin's admin URLs as Django's URL resolver knows
them, values for their path parameters, junk for query strings and form bodies, and a client wrapper that collects
every 5xx (or exception) instead of stopping at the first, so one run lists them all.

URLs are discovered, not listed: a view added to admin_urls.py, broadcast_admin_urls.py, the sandbox chat or a
modeladmin registration is swept without touching the tests."""

import itertools
import re
from dataclasses import dataclass, field

from django.urls import URLResolver, get_resolver, reverse

PLUGIN_PREFIX = "wagtail_whatsapp"
ADMIN_PREFIX = "admin/"


@dataclass(frozen=True)
class Route:
    """One admin URL pattern: its name for reverse(), the parameters fixed by us and those swept (name → regex)."""

    name: str
    fixed: dict = field(default_factory=dict)
    swept: dict = field(default_factory=dict)

    def urls(self, values):
        """Every URL of the pattern, each swept parameter taking each of ``values`` that its converter accepts."""
        choices = [[v for v in values if re.fullmatch(regex, v)] for regex in self.swept.values()]
        for combination in itertools.product(*choices):
            yield reverse(self.name, kwargs={**self.fixed, **dict(zip(self.swept, combination, strict=True))})


def _walk(patterns, route="", namespaces=()):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = (pattern.namespace,) if pattern.namespace else ()
            yield from _walk(pattern.url_patterns, route + str(pattern.pattern), namespaces + namespace)
        elif pattern.name:
            yield route + str(pattern.pattern), ":".join((*namespaces, pattern.name)), pattern.pattern.converters


def plugin_admin_routes():
    """The admin URL patterns whose namespace or name starts with ``wagtail_whatsapp`` (the plugin's own URL modules,
    the sandbox chat, the modeladmin lists), plus Wagtail's settings form of the plugin's site setting."""
    from wagtail.contrib.settings.registry import registry

    routes = []
    for route, name, converters in _walk(get_resolver().url_patterns):
        if route.startswith(ADMIN_PREFIX) and name.startswith(PLUGIN_PREFIX):
            routes.append(Route(name, swept={key: converter.regex for key, converter in converters.items()}))
    for model in registry:
        if model._meta.app_label == PLUGIN_PREFIX:
            fixed = {"app_name": model._meta.app_label, "model_name": model._meta.model_name}
            routes.append(Route("wagtailsettings:edit", fixed=fixed, swept={"pk": r"[0-9]+"}))
    return routes


# Path values: ``existing`` pks are added by the test; the rest is absent, out of range or simply wrong.
MISSING_PK = "987654"
OUT_OF_RANGE_PK = str(2**63)  # one more than the largest 64-bit integer a database column holds
PATH_JUNK = [MISSING_PK, OUT_OF_RANGE_PK, "0", "pause", "resume", "cancel", "explode", "ü漢", "x" * 300, "\x00"]

# Query strings: garbage for every filter, ordering and paging parameter a list view may read. The lists of
# modeladmin get one parameter at a time (refusing an unknown one must not hide how they read the others); every
# admin URL gets all the parameters at once, with each junk value.
FILTER_JUNK = [
    {"status__exact": "zzz"},
    {"site__id__exact": "abc"},
    {"site__id__exact": OUT_OF_RANGE_PK},
    {"site__isnull": "maybe"},
    {"o": "999"},
    {"o": "-x.abc.0"},
    {"p": "notanumber"},
    {"p": "99999"},
    {"q": "3" * 10_000},
    {"q": "\x00"},
    {"subscribed_at__gte": "2026-13-45", "subscribed_at__lt": "yesterday"},
    {"created_at__gte": "2026-13-45"},
    {"sent_at__lt": "\x00"},
    {"flagged__exact": "2"},
    {"export": "xlsx"},
]
QUERY_PARAMETERS = ["site", "status", "o", "p", "q", "date", "number", "subscriber", "page_id", "action", "export"]
QUERY_VALUES = ["zzz", "-1", "99999", OUT_OF_RANGE_PK, "²", "2026-13-45", "\x00", "+39 abc", "ü漢🙂", "3" * 10_000]
QUERY_JUNK = [dict.fromkeys(QUERY_PARAMETERS, value) for value in QUERY_VALUES]

# What someone shown masked numbers would try to get one back: searches and sorts by the number's digits, lookups on
# the number fields, modeladmin's own spreadsheet export. None may answer with a full number or a 5xx.
MASKED_PROBES = [
    {"q": "348"},
    {"q": "+39 348 123 4511"},
    {"q": "0039348"},
    {"o": "0"},
    {"o": "-0.1"},
    {"o": "-1"},
    {"ot": "desc", "o": "0"},
    {"phone_number__startswith": "+39348"},
    {"wa_user_id__contains": "39"},
    {"message_wamid__gt": "wamid.A"},
    {"subscriber__phone_number__startswith": "+39"},
    {"export": "csv"},
    {"export": "xlsx"},
    {"number": "+393481234511"},
]

# Form values of the wrong kind: empty, huge, NUL bytes, unparsable numbers, dates and ids.
VALUE_JUNK = [
    "",
    "abc\x00def",
    "x" * 100_000,
    "+39 abc",
    "0000",
    "99999999999999999999999",
    OUT_OF_RANGE_PK,
    "-1",
    "2026-13-45",
    "25:99",
    "on",
    "ü漢🙂" * 50,
    "<script>alert(1)</script>",
]
# Names the plugin's forms use; the test adds every name it finds in the admin pages' HTML.
KNOWN_FIELDS = [
    "action",
    "site",
    "number",
    "text",
    "reason",
    "confirm",
    "confirm_repeat",
    "confirm_consent",
    "file",
    "export-site",
    "export-number",
    "erase-site",
    "erase-number",
    "erase-confirm",
]
FIELD_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')


def field_names(html):
    return {name for name in FIELD_NAME.findall(html) if name != "csrfmiddlewaretoken"}


def _short(value):
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


class Sweep:
    """Sends requests through a Django test client and records each 5xx or exception with the input that caused it."""

    def __init__(self, client):
        self.client = client
        self.failures = []
        self.sent = 0
        self.field_names = set(KNOWN_FIELDS)  # and the names of every form field in the pages it was shown

    def send(self, method, url, data=None):
        self.sent += 1
        try:
            response = (
                getattr(self.client, method)(url, data) if data is not None else getattr(self.client, method)(url)
            )
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # a streamed CSV fails only while it is read
        except Exception as exc:  # noqa: BLE001 (any exception is a 500 for the user: record it, go on)
            self.failures.append(f"{method.upper()} {_short(url)} {_short(data)}: {type(exc).__name__}: {exc}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {_short(url)} {_short(data)}: HTTP {response.status_code}")
        elif response.status_code == 200 and "html" in response.get("Content-Type", "") and not response.streaming:
            self.field_names |= field_names(response.content.decode(errors="replace"))
        return response

    def report(self):
        return f"{len(self.failures)} of {self.sent} requests failed:\n" + "\n".join(self.failures[:40])
