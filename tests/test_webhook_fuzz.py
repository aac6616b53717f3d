"""Hundreds of malformed, truncated and type-confused bodies: never a 5xx, never an exception (issue 3)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.signing import FIXTURES, load_webhook
from wagtail_whatsapp.inbound.events import parse_payload
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


@FUZZ
@given(payload=json_values)
def test_arbitrary_json_never_errors(webhook, site, payload):
    _assert_answered(webhook.post_raw(json.dumps(payload).encode()))


@FUZZ
@given(payload=mutated_payloads())
def test_type_confused_meta_payloads_never_error(webhook, site, payload):
    _assert_answered(webhook.post(payload))


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
