"""Hundreds of malformed, truncated and type-confused bodies: never a 5xx, never an exception (issue 3); a right
envelope is always acknowledged, whatever it holds: unknown kinds, text the database refuses, deep nesting (issue
13)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.signing import FIXTURES, load_webhook
from wagtail_whatsapp.inbound.events import OBJECT, parse_payload
from wagtail_whatsapp.inbound.payload_bounds import MAX_DEPTH
from wagtail_whatsapp.models import InboundMessage, StatusUpdate
from wagtail_whatsapp.sandbox.simulate import serialise

pytestmark = pytest.mark.slow  # property-based sweeps of the payload parser

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIXTURE_NAMES = sorted(path.stem for path in FIXTURES.glob("webhook_*.json"))

MEANINGFUL_STRINGS = ["", "text", "messages", "read", "1749416383", "106540352242922", "whatsapp_business_account"]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(MEANINGFUL_STRINGS),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(node, prefix=()):
    """Every path to a value inside a JSON tree."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _replace(tree, path, value):
    if not path:
        return value
    node = tree
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return tree


@st.composite
def mutated_payloads(draw):
    """One of Meta's samples with a few values swapped for something of the wrong type (or deleted)."""
    payload = load_webhook(draw(st.sampled_from(FIXTURE_NAMES)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = list(_paths(payload))
        if len(paths) < 2:
            break
        path = draw(st.sampled_from(paths[1:]))  # keep the root so the envelope is mostly right
        if draw(st.booleans()):
            payload = _replace(payload, path, draw(json_values))
        else:
            parent = payload
            for step in path[:-1]:
                parent = parent[step]
            del parent[path[-1]]
    return payload


def _assert_answered(response):
    assert response.status_code in (200, 400), (response.status_code, response.content[:200])


def _is_envelope(payload):
    """Meta's envelope: what must always be answered 200, whatever it holds."""
    entries = payload.get("entry") if isinstance(payload, dict) else None
    return (
        payload.get("object") == OBJECT
        and isinstance(entries, list)
        and all(isinstance(entry, dict) for entry in entries)
    )


def _depth(value):
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def _stored_payloads_read_back():
    """Every stored payload decodes, and stays within the bound."""
    for model in (InboundMessage, StatusUpdate):
        for payload in model.objects.values_list("payload", flat=True):
            assert _depth(payload) <= MAX_DEPTH


# Text SQLite cannot encode (lone surrogates) or PostgreSQL refuses (NUL), mixed with ordinary text.
hostile_text = st.lists(
    st.sampled_from(["a", "ISCRIVIMI", " ", "\ud83d", "\ude00", "\udc00", "\x00", "é", "😀", "\u202e", "\ufeff"]),
    min_size=1,
    max_size=12,
).map("".join)


def _string_paths(node, prefix=()):
    if isinstance(node, str) and prefix != ("object",):
        yield prefix
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _string_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _string_paths(value, (*prefix, index))


@st.composite
def payloads_with_hostile_text(draw):
    """One of Meta's samples with some of its strings (names, texts, ids...) replaced by text a database refuses."""
    payload = load_webhook(draw(st.sampled_from(FIXTURE_NAMES)))
    paths = list(_string_paths(payload))
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=len(paths))):
        payload = _replace(payload, path, draw(hostile_text))
    return payload


@st.composite
def deeply_nested_payloads(draw):
    """One of Meta's samples with a value nested up to 600 levels deep put somewhere inside its ``value``."""
    payload = load_webhook(draw(st.sampled_from(FIXTURE_NAMES)))
    node = draw(json_scalars)
    for _ in range(draw(st.integers(min_value=1, max_value=600))):
        node = [node] if draw(st.booleans()) else {"k": node}
    containers = [path for path in _paths(payload) if len(path) >= 5 and isinstance(_get(payload, path), dict)]
    target = _get(payload, draw(st.sampled_from(containers)))
    target[draw(st.sampled_from(["context", "extra", "payload"]))] = node
    return payload


def _get(tree, path):
    for step in path:
        tree = tree[step]
    return tree


@st.composite
def unknown_kinds(draw):
    """A right envelope holding what the plugin does not know: new fields, new preference values, new entry shapes,
    new message types, extra keys."""
    changes = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["field", "preference", "message", "shape"]))
        metadata = {"phone_number_id": "106540352242922", draw(st.text(max_size=8)): draw(json_scalars)}
        if kind == "field":
            change = {"field": draw(st.text(min_size=1, max_size=20)), "value": draw(json_values)}
        elif kind == "preference":
            preference = {"wa_id": "16505551234", "value": draw(st.text(max_size=10)), "timestamp": 1731705721}
            change = {"field": "user_preferences", "value": {"metadata": metadata, "user_preferences": [preference]}}
        elif kind == "message":
            message = {
                "from": "16505551234",
                "id": "wamid." + draw(st.text(min_size=1, max_size=10)),
                "timestamp": "1749416383",
                "type": draw(st.text(min_size=1, max_size=12)),
                draw(st.text(max_size=8)): draw(json_values),
            }
            change = {"field": "messages", "value": {"metadata": metadata, "messages": [message]}}
        else:
            change = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3))
        changes.append(change)
    entry = {"id": "102290129340398", "changes": changes, draw(st.text(max_size=8)): draw(json_values)}
    entries = [entry] + draw(st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=3), max_size=2))
    return {"object": OBJECT, "entry": entries, draw(st.text(max_size=8)): draw(json_values)}


@FUZZ
@given(payload=json_values)
def test_arbitrary_json_never_errors(webhook, site, payload):
    _assert_answered(webhook.post_raw(json.dumps(payload).encode()))


@FUZZ
@given(payload=mutated_payloads())
def test_type_confused_meta_payloads_never_error(webhook, site, payload):
    response = webhook.post(payload)
    _assert_answered(response)
    if _is_envelope(payload):
        assert response.status_code == 200, response.content[:200]


@FUZZ
@given(payload=unknown_kinds())
def test_unknown_but_valid_kinds_are_always_acknowledged(webhook, site, payload):
    response = webhook.post(payload)
    assert response.status_code == 200, response.content[:200]


@FUZZ
@given(payload=payloads_with_hostile_text())
def test_text_the_database_refuses_is_cleaned_and_acknowledged(webhook, site, payload):
    response = webhook.post(payload)
    assert response.status_code == 200, response.content[:200]
    for model in (InboundMessage, StatusUpdate):
        for row in model.objects.all():  # every column reads back, without NUL or lone surrogate
            for value in [row.wamid, getattr(row, "text", ""), getattr(row, "profile_name", ""), str(row.payload)]:
                assert "\x00" not in value
                value.encode("utf-8")  # raises on a lone surrogate


@settings(FUZZ, max_examples=40)
@given(payload=deeply_nested_payloads())
def test_deep_nesting_is_acknowledged_and_stored_within_the_bound(webhook, site, payload):
    response = webhook.post(payload)
    assert response.status_code == 200, response.content[:200]
    _stored_payloads_read_back()


@FUZZ
@given(name=st.sampled_from(FIXTURE_NAMES), cut=st.floats(min_value=0, max_value=0.999))
def test_truncated_bodies_get_400(webhook, site, name, cut):
    body = serialise(load_webhook(name))
    response = webhook.post_raw(body[: int(len(body) * cut)])
    assert response.status_code == 400


@FUZZ
@given(body=st.binary(max_size=300))
def test_random_bytes_signed_never_error(webhook, site, body):
    _assert_answered(webhook.post_raw(body))


@FUZZ
@given(payload=mutated_payloads(), signature=st.one_of(st.none(), st.text(max_size=80)))
def test_nothing_is_stored_on_a_bad_signature(webhook, site, payload, signature):
    response = webhook.post(payload, signature=signature)
    assert response.status_code == 403
    assert not InboundMessage.objects.exists() and not StatusUpdate.objects.exists()


@settings(max_examples=300, deadline=None)
@given(payload=st.one_of(json_values, mutated_payloads()))
def test_parser_raises_only_payload_errors(payload):
    """The parser alone, faster and more examples: a clear PayloadError or events, nothing else."""
    from wagtail_whatsapp.inbound.events import PayloadError

    try:
        parse_payload(payload)
    except PayloadError as exc:
        assert exc.reason


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_meta_sample_is_accepted(webhook, site, name):
    assert webhook.post(load_webhook(name)).status_code == 200
