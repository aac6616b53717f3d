"""Meta's error table (docs/backends.md) and transport failures, with the fake Graph API answering what each test
scripts (``scripted_answers``) or failing as its knobs say (tests/fake_graph)."""

import json
import socket
from pathlib import Path

import pytest

from tests.fake_graph import FakeGraph, RawBody
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.backends.cloud import CloudBackend
from wagtail_whatsapp.conf import Timeouts

FIXTURES = Path(__file__).parent / "fixtures" / "graph"
TOKEN = "secret-token-never-shown"
MESSAGES_PATH = "/v25.0/106540352242922/messages"

FATAL = [0, 190, 3, 10, 200, 250, 299, 368, 131031, 131042, 131048, 133010]
FATAL += [132000, 132001, 132005, 132007, 132012, 132015, 132016]
RETRYABLE = {1: 2.0, 2: 2.0, 131000: 2.0, 131016: 2.0, 131057: 60.0, 131056: 6.0}
RATE_LIMITED = {4: 60.0, 80007: 60.0, 130429: 1.0}
RECIPIENT = [100, 131008, 131009, 131026, 131047, 131049, 131050, 131051, 131053]


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def fake():
    fake = FakeGraph(token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def backend(settings, fake):
    timeouts = Timeouts(connect=1.0, read=0.5)
    backend = CloudBackend(
        "106540352242922", access_token=TOKEN, base_url=fake.url, api_version="v25.0", timeouts=timeouts
    )
    yield backend
    backend.close()


def send_answered(backend, fake, status, payload):
    """The WhatsAppError of a send that the fake answers ``status`` with ``payload``."""
    fake.scripted_answers = [(status, payload)]
    with pytest.raises(WhatsAppError) as info:
        backend.send_text("+393331234567", "Ciao")
    assert [r.path for r in fake.requests] == [MESSAGES_PATH]
    return info.value


def send_failing_with(backend, fake, code, status=400):
    body = {"error": {"message": f"(#{code}) something", "type": "OAuthException", "code": code}}
    return send_answered(backend, fake, status, body)


def never_shows_the_token(error):
    return TOKEN not in f"{error} {error!r} {error.details}"


@pytest.mark.parametrize("code", FATAL)
def test_fatal_codes_stop_the_broadcast(backend, fake, code):
    error = send_failing_with(backend, fake, code)
    assert (error.kind, error.code, error.retryable) == (ErrorKind.FATAL, code, False)


@pytest.mark.parametrize("code,delay", RETRYABLE.items())
def test_temporary_codes_are_retried_after_a_suggested_delay(backend, fake, code, delay):
    error = send_failing_with(backend, fake, code, status=500)
    assert (error.kind, error.retry_after, error.retryable) == (ErrorKind.RETRYABLE, delay, True)
    assert not error.ambiguous  # Meta answered with an error: the message was not sent


@pytest.mark.parametrize("code,delay", RATE_LIMITED.items())
def test_rate_limit_codes_slow_down(backend, fake, code, delay):
    error = send_failing_with(backend, fake, code)
    assert (error.kind, error.retry_after) == (ErrorKind.RATE_LIMITED, delay)


@pytest.mark.parametrize("code", RECIPIENT)
def test_recipient_codes_are_permanent_for_that_message(backend, fake, code):
    error = send_failing_with(backend, fake, code)
    assert (error.kind, error.retryable) == (ErrorKind.RECIPIENT, False)


def test_marketing_cap_says_not_before_24_hours(backend, fake):
    assert send_failing_with(backend, fake, 131049).retry_after == 24 * 3600


@pytest.mark.parametrize(
    "code,status,kind",
    [
        (131999, 400, ErrorKind.RECIPIENT),  # unknown message-level error: this message only
        (132999, 400, ErrorKind.FATAL),  # unknown template error: every recipient would fail
        (133999, 400, ErrorKind.FATAL),  # unknown registration error
        (999999, 500, ErrorKind.RETRYABLE),
        (999999, 429, ErrorKind.RATE_LIMITED),
        (999999, 401, ErrorKind.FATAL),
        (999999, 400, ErrorKind.RECIPIENT),
    ],
)
def test_unknown_codes_are_classified_by_family_then_status(backend, fake, code, status, kind):
    assert send_failing_with(backend, fake, code, status=status).kind == kind


def test_metas_130429_sample_keeps_details_subcode_and_trace(backend, fake):
    error = send_answered(backend, fake, 400, fixture("error_response_130429.json"))
    assert error.kind == ErrorKind.RATE_LIMITED
    assert error.subcode == 2494055 and error.fbtrace_id == "Az8or2yhqkZfEZ-_4Qn_Bam"
    assert "too many messages" in error.details


def test_non_json_502_page_is_a_clear_ambiguous_retryable_error(backend, fake):
    error = send_answered(backend, fake, 502, "<html><h1>502 Bad Gateway</h1></html>")
    assert error.kind == ErrorKind.RETRYABLE and error.ambiguous and error.http_status == 502
    assert "HTTP 502" in str(error)


@pytest.mark.parametrize(
    "body,expected",
    [
        ("", "empty body"),
        ("<html>OK</html>", "not JSON"),
        (json.dumps({"messaging_product": "whatsapp", "contacts": []}), "no message id"),
        (json.dumps({"messages": [{}]}), "no message id"),
        (json.dumps([1, 2]), "not JSON"),
    ],
)
def test_a_2xx_answer_without_a_message_id_is_a_clear_error(backend, fake, body, expected):
    error = send_answered(backend, fake, 200, RawBody(body.encode(), "application/json"))
    assert expected in str(error)
    assert error.ambiguous  # Meta may have accepted the message


def test_empty_error_body_is_a_clear_error(backend, fake):
    error = send_answered(backend, fake, 500, RawBody(b"", "text/plain"))
    assert "empty body" in str(error) and error.kind == ErrorKind.RETRYABLE


def test_read_timeout_is_retryable_but_ambiguous(backend, fake):
    fake.configure(timeout_rate=1.0, hold_seconds=1.5)  # Meta takes the message, then answers after READ_TIMEOUT
    with pytest.raises(WhatsAppError) as info:
        backend.send_text("+393331234567", "Ciao")
    assert (info.value.kind, info.value.ambiguous) == (ErrorKind.RETRYABLE, True)
    assert "may have been sent" in str(info.value) and never_shows_the_token(info.value)
    assert len(fake.accepted) == 1  # and it had: retrying blindly would send it twice


def test_a_refused_connection_is_retryable_and_not_ambiguous(settings):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = CloudBackend("1", access_token=TOKEN, base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(WhatsAppError) as info:
        backend.send_text("+393331234567", "Ciao")
    assert (info.value.kind, info.value.ambiguous) == (ErrorKind.RETRYABLE, False)
    assert "Could not connect" in str(info.value) and never_shows_the_token(info.value)


def test_a_timeout_against_a_silent_server_is_ambiguous(settings):
    with socket.socket() as server:  # accepts the connection, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "READ_TIMEOUT": 0.2}
        backend = CloudBackend("1", access_token=TOKEN, base_url=f"http://127.0.0.1:{port}")
        with pytest.raises(WhatsAppError) as info:
            backend.send_text("+393331234567", "Ciao")
    assert (info.value.kind, info.value.ambiguous) == (ErrorKind.RETRYABLE, True)


def test_the_token_never_appears_in_errors_or_logs(backend, fake, caplog):
    caplog.set_level("DEBUG")
    body = {"error": {"message": f"Bad token {TOKEN}", "code": 190, "error_data": {"details": TOKEN}}}
    error = send_answered(backend, fake, 401, body)
    everything = f"{error} {error!r} {error.details} {caplog.text} {backend!r}"
    assert TOKEN not in everything
    assert "+393331234567" not in caplog.text and "567" in caplog.text  # masked, still recognisable


def test_a_missing_token_is_fatal_before_any_request(settings, fake):
    backend = CloudBackend("1", access_token="", base_url=fake.url)
    with pytest.raises(WhatsAppError) as info:
        backend.send_text("+393331234567", "Ciao")
    assert info.value.kind == ErrorKind.FATAL and "ACCESS_TOKEN" in str(info.value)
    assert fake.requests == []


def test_block_users_reads_both_the_error_and_the_per_user_lists(backend, fake):
    fake.scripted_answers = [(200, fixture("block_users_response_mixed.json"))]
    result = backend.block_users(["+16505551234", "+14155559876"])
    assert [(r.method, r.path) for r in fake.requests] == [("POST", "/v25.0/106540352242922/block_users")]
    assert result.added == ["+16505551234"]
    assert list(result.failed) == ["+14155559876"]
    failure = result.failed["+14155559876"]
    assert (failure.code, failure.kind) == (131047, ErrorKind.RECIPIENT)


def test_block_users_without_lists_raises_the_error(backend, fake):
    fake.scripted_answers = [(401, {"error": {"code": 190}})]
    with pytest.raises(WhatsAppError) as info:
        backend.unblock_users(["+16505551234"])
    assert info.value.kind == ErrorKind.FATAL
    assert [(r.method, r.path) for r in fake.requests] == [("DELETE", "/v25.0/106540352242922/block_users")]


def test_a_bad_base_url_is_a_configuration_error(settings):
    backend = CloudBackend("1", access_token=TOKEN, base_url="graph.facebook.com")
    with pytest.raises(WhatsAppError) as info:
        backend.send_text("+393331234567", "Ciao")
    assert info.value.kind == ErrorKind.FATAL and "API_BASE_URL" in str(info.value)
