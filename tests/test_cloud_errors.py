"""Meta's error table (docs/backends.md) and transport failures, with ``responses`` standing in for the Graph API."""

import json
import socket
from pathlib import Path

import pytest
import requests
import responses

from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.backends.cloud import CloudBackend

FIXTURES = Path(__file__).parent / "fixtures" / "graph"
BASE = "https://graph.test"
MESSAGES_URL = f"{BASE}/v25.0/106540352242922/messages"
TOKEN = "secret-token-never-shown"

FATAL = [0, 190, 3, 10, 200, 250, 299, 368, 131031, 131042, 131048, 133010]
FATAL += [132000, 132001, 132005, 132007, 132012, 132015, 132016]
RETRYABLE = {1: 2.0, 2: 2.0, 131000: 2.0, 131016: 2.0, 131057: 60.0, 131056: 6.0}
RATE_LIMITED = {4: 60.0, 80007: 60.0, 130429: 1.0}
RECIPIENT = [100, 131008, 131009, 131026, 131047, 131049, 131050, 131051, 131053]


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def backend(settings):
    backend = CloudBackend("106540352242922", access_token=TOKEN, base_url=BASE, api_version="v25.0")
    yield backend
    backend.close()


def send_failing_with(backend, code, status=400):
    with responses.RequestsMock() as mock:
        body = {"error": {"message": f"(#{code}) something", "type": "OAuthException", "code": code}}
        mock.post(MESSAGES_URL, json=body, status=status)
        with pytest.raises(WhatsAppError) as info:
            backend.send_text("+393331234567", "Ciao")
    return info.value


@pytest.mark.parametrize("code", FATAL)
def test_fatal_codes_stop_the_broadcast(backend, code):
    error = send_failing_with(backend, code)
    assert (error.kind, error.code, error.retryable) == (ErrorKind.FATAL, code, False)


@pytest.mark.parametrize("code,delay", RETRYABLE.items())
def test_temporary_codes_are_retried_after_a_suggested_delay(backend, code, delay):
    error = send_failing_with(backend, code, status=500)
    assert (error.kind, error.retry_after, error.retryable) == (ErrorKind.RETRYABLE, delay, True)
    assert not error.ambiguous  # Meta answered with an error: the message was not sent


@pytest.mark.parametrize("code,delay", RATE_LIMITED.items())
def test_rate_limit_codes_slow_down(backend, code, delay):
    error = send_failing_with(backend, code)
    assert (error.kind, error.retry_after) == (ErrorKind.RATE_LIMITED, delay)


@pytest.mark.parametrize("code", RECIPIENT)
def test_recipient_codes_are_permanent_for_that_message(backend, code):
    error = send_failing_with(backend, code)
    assert (error.kind, error.retryable) == (ErrorKind.RECIPIENT, False)


def test_marketing_cap_says_not_before_24_hours(backend):
    assert send_failing_with(backend, 131049).retry_after == 24 * 3600


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
def test_unknown_codes_are_classified_by_family_then_status(backend, code, status, kind):
    assert send_failing_with(backend, code, status=status).kind == kind


def test_metas_130429_sample_keeps_details_subcode_and_trace(backend):
    with responses.RequestsMock() as mock:
        mock.post(MESSAGES_URL, json=fixture("error_response_130429.json"), status=400)
        with pytest.raises(WhatsAppError) as info:
            backend.send_text("+393331234567", "Ciao")
    error = info.value
    assert error.kind == ErrorKind.RATE_LIMITED
    assert error.subcode == 2494055 and error.fbtrace_id == "Az8or2yhqkZfEZ-_4Qn_Bam"
    assert "too many messages" in error.details


def test_non_json_502_page_is_a_clear_ambiguous_retryable_error(backend):
    with responses.RequestsMock() as mock:
        mock.post(MESSAGES_URL, body="<html><h1>502 Bad Gateway</h1></html>", status=502, content_type="text/html")
        with pytest.raises(WhatsAppError) as info:
            backend.send_text("+393331234567", "Ciao")
    error = info.value
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
def test_a_2xx_answer_without_a_message_id_is_a_clear_error(backend, body, expected):
    with responses.RequestsMock() as mock:
        mock.post(MESSAGES_URL, body=body, status=200, content_type="application/json")
        with pytest.raises(WhatsAppError) as info:
            backend.send_text("+393331234567", "Ciao")
    assert expected in str(info.value)
    assert info.value.ambiguous  # Meta may have accepted the message


def test_empty_error_body_is_a_clear_error(backend):
    with responses.RequestsMock() as mock:
        mock.post(MESSAGES_URL, body="", status=500)
        with pytest.raises(WhatsAppError) as info:
            backend.send_text("+393331234567", "Ciao")
    assert "empty body" in str(info.value) and info.value.kind == ErrorKind.RETRYABLE


def test_read_timeout_is_retryable_but_ambiguous(backend):
    with responses.RequestsMock() as mock:
        mock.post(MESSAGES_URL, body=requests.exceptions.ReadTimeout("read timed out"))
        with pytest.raises(WhatsAppError) as info:
            backend.send_text("+393331234567", "Ciao")
    assert (info.value.kind, info.value.ambiguous) == (ErrorKind.RETRYABLE, True)
    assert "may have been sent" in str(info.value)


def test_a_refused_connection_is_retryable_and_not_ambiguous(settings):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = CloudBackend("1", access_token=TOKEN, base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(WhatsAppError) as info:
        backend.send_text("+393331234567", "Ciao")
    assert (info.value.kind, info.value.ambiguous) == (ErrorKind.RETRYABLE, False)


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


def test_the_token_never_appears_in_errors_or_logs(backend, caplog):
    caplog.set_level("DEBUG")
    with responses.RequestsMock() as mock:
        body = {"error": {"message": f"Bad token {TOKEN}", "code": 190, "error_data": {"details": TOKEN}}}
        mock.post(MESSAGES_URL, json=body, status=401)
        with pytest.raises(WhatsAppError) as info:
            backend.send_text("+393331234567", "Ciao")
    everything = f"{info.value} {info.value!r} {info.value.details} {caplog.text} {backend!r}"
    assert TOKEN not in everything
    assert "+393331234567" not in caplog.text and "567" in caplog.text  # masked, still recognisable


def test_a_missing_token_is_fatal_before_any_request(settings):
    backend = CloudBackend("1", access_token="", base_url=BASE)
    with responses.RequestsMock(), pytest.raises(WhatsAppError) as info:
        backend.send_text("+393331234567", "Ciao")
    assert info.value.kind == ErrorKind.FATAL and "ACCESS_TOKEN" in str(info.value)


def test_block_users_reads_both_the_error_and_the_per_user_lists(backend):
    with responses.RequestsMock() as mock:
        mock.post(f"{BASE}/v25.0/106540352242922/block_users", json=fixture("block_users_response_mixed.json"))
        result = backend.block_users(["+16505551234", "+14155559876"])
    assert result.added == ["+16505551234"]
    assert list(result.failed) == ["+14155559876"]
    failure = result.failed["+14155559876"]
    assert (failure.code, failure.kind) == (131047, ErrorKind.RECIPIENT)


def test_block_users_without_lists_raises_the_error(backend):
    with responses.RequestsMock() as mock:
        mock.delete(f"{BASE}/v25.0/106540352242922/block_users", json={"error": {"code": 190}}, status=401)
        with pytest.raises(WhatsAppError) as info:
            backend.unblock_users(["+16505551234"])
    assert info.value.kind == ErrorKind.FATAL


def test_a_bad_base_url_is_a_configuration_error(settings):
    backend = CloudBackend("1", access_token=TOKEN, base_url="graph.facebook.com")
    with pytest.raises(WhatsAppError) as info:
        backend.send_text("+393331234567", "Ciao")
    assert info.value.kind == ErrorKind.FATAL and "API_BASE_URL" in str(info.value)
