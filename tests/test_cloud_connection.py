"""The cloud backend's connections as a town hall's network sees them: the proxy and the CA bundle from the
environment (read once, when the backend is made), a proxy or a Graph API that cannot be reached (nothing sent: not
ambiguous), and the pool shared by a send pool's threads. Against the fake Graph API (tests/fake_graph)."""

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fake_graph import FakeGraph
from wagtail_whatsapp import __version__
from wagtail_whatsapp.backends import deadline
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.backends.cloud import CloudBackend

NUMBER = "+393331234567"
TOKEN = "secret-token-never-shown"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, settings):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def fake():
    fake = FakeGraph(token=TOKEN).start()
    yield fake
    fake.stop()


def free_port():
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def failed_send(backend):
    with pytest.raises(WhatsAppError) as info:
        backend.send_text(NUMBER, "Ciao")
    error = info.value
    assert TOKEN not in f"{error} {error!r} {error.details}"
    return error


def test_every_call_names_the_plugin_and_sends_compact_json(fake):
    backend = CloudBackend("1", access_token=TOKEN, base_url=fake.url)
    backend.send_text(NUMBER, "Caffè in piazza")
    request = fake.requests[-1]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["user-agent"] == f"wagtail-whatsapp/{__version__}"
    assert request.headers["content-type"] == "application/json"
    assert request.body == json.dumps(request.json, separators=(",", ":"), ensure_ascii=False).encode()
    backend.close()


@pytest.mark.parametrize("through_proxy", [False, True])
def test_a_call_past_the_time_set_for_it_sends_nothing_and_keeps_the_connection(monkeypatch, fake, through_proxy):
    """The sender sets the latest moment a message of the pace may leave (backends/deadline.py)."""
    if through_proxy:
        monkeypatch.setenv("HTTP_PROXY", fake.url)
    backend = CloudBackend("1", access_token=TOKEN, base_url="http://graph.invalid" if through_proxy else fake.url)
    backend.send_text(NUMBER, "Primo")
    with deadline.leave_by(time.time() - 0.001), pytest.raises(deadline.CallTooLate):
        backend.send_text(NUMBER, "In ritardo")
    with deadline.leave_by(time.time() + 5):
        backend.send_text(NUMBER, "In tempo")
    backend.send_text(NUMBER, "Dopo")  # the time was for the block only
    assert [a.body["text"]["body"] for a in fake.accepted] == ["Primo", "In tempo", "Dopo"]
    assert fake.connections_opened == 1  # nothing half-written: the connection goes on
    backend.close()


def test_a_call_held_up_while_its_request_was_built_sends_nothing(monkeypatch, fake):
    """On time before http.client built the request, late at its first byte: nothing goes out, the half-built
    request's connection is dropped and the next call opens another."""
    backend = CloudBackend("1", access_token=TOKEN, base_url=fake.url)
    backend.send_text(NUMBER, "Primo")
    checks, real_check = [], deadline.check

    def on_time_then_late():
        checks.append(True)
        if len(checks) == 2:
            raise deadline.CallTooLate

    monkeypatch.setattr(deadline, "check", on_time_then_late)
    with pytest.raises(deadline.CallTooLate):
        backend.send_text(NUMBER, "In ritardo")
    monkeypatch.setattr(deadline, "check", real_check)
    backend.send_text(NUMBER, "Dopo")
    assert [a.body["text"]["body"] for a in fake.accepted] == ["Primo", "Dopo"]
    assert len(checks) == 2 and fake.connections_opened == 2
    backend.close()


def test_the_towns_proxy_from_the_environment_carries_every_call(monkeypatch, fake):
    # graph.invalid never resolves (RFC 2606): the call can only reach the fake through the proxy.
    monkeypatch.setenv("HTTP_PROXY", fake.url)
    backend = CloudBackend("1", access_token=TOKEN, base_url="http://graph.invalid", api_version="v25.0")
    monkeypatch.delenv("HTTP_PROXY")  # read once, when the backend is made: not again on every call of a broadcast
    assert backend.send_text(NUMBER, "Ciao").wamid
    request = fake.requests[-1]
    assert (request.path, request.headers["host"]) == ("/v25.0/1/messages", "graph.invalid")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    backend.close()


def test_the_proxys_credentials_in_its_url_are_sent_to_it(monkeypatch, fake):
    monkeypatch.setenv("HTTP_PROXY", fake.url.replace("http://", "http://comune:s3greta@"))
    backend = CloudBackend("1", access_token=TOKEN, base_url="http://graph.invalid")
    assert backend.send_text(NUMBER, "Ciao").wamid
    assert fake.requests[-1].headers["proxy-authorization"] == "Basic Y29tdW5lOnMzZ3JldGE="  # comune:s3greta
    backend.close()


def test_no_proxy_for_the_graph_api_host_goes_direct(monkeypatch, fake):
    monkeypatch.setenv("HTTP_PROXY", fake.url)
    monkeypatch.setenv("NO_PROXY", "graph.invalid")
    backend = CloudBackend("1", access_token=TOKEN, base_url="http://graph.invalid")
    error = failed_send(backend)  # straight to graph.invalid, which has no address
    assert (error.kind, error.ambiguous) == (ErrorKind.RETRYABLE, False)
    assert fake.requests == []


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_proxy_that_cannot_be_reached_sent_nothing(monkeypatch, scheme):
    monkeypatch.setenv(f"{scheme.upper()}_PROXY", f"http://127.0.0.1:{free_port()}")
    backend = CloudBackend("1", access_token=TOKEN, base_url=f"{scheme}://graph.facebook.com")
    error = failed_send(backend)
    assert (error.kind, error.ambiguous, error.retry_after) == (ErrorKind.RETRYABLE, False, 2.0)
    assert "Could not connect" in str(error)


def test_meta_over_https_is_asked_through_the_proxys_tunnel(monkeypatch):
    """Meta's API is HTTPS: the backend asks the proxy for a tunnel (CONNECT); one refused sent nothing to Meta."""
    asked = []
    with socket.socket() as proxy:
        proxy.bind(("127.0.0.1", 0))
        proxy.listen()

        def refuse_the_tunnel():
            connection, _address = proxy.accept()
            with connection:
                asked.append(connection.recv(4096).decode().split("\r\n")[0].rsplit(" ", 1)[0])
                connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

        thread = threading.Thread(target=refuse_the_tunnel, daemon=True)
        thread.start()
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.getsockname()[1]}")
        backend = CloudBackend("1", access_token=TOKEN, base_url="https://graph.facebook.com")
        error = failed_send(backend)
        thread.join(timeout=5)
    assert asked == ["CONNECT graph.facebook.com:443"]
    assert (error.kind, error.ambiguous) == (ErrorKind.RETRYABLE, False)


@pytest.fixture
def tls_fake(tmp_path):
    """The fake Graph API over HTTPS, with a certificate of its own: ``(fake, ca_bundle)``."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make the fake's certificate")
    key, certificate = tmp_path / "key.pem", tmp_path / "comune-ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    fake = FakeGraph(token=TOKEN).start()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    fake.server.socket = context.wrap_socket(fake.server.socket, server_side=True)
    yield fake, certificate
    fake.stop()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_the_towns_ca_bundle_from_the_environment_verifies_the_api(monkeypatch, tls_fake, variable):
    fake, bundle = tls_fake
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv(variable, str(bundle))
    url = f"https://127.0.0.1:{fake.port}"
    backend = CloudBackend("1", access_token=TOKEN, base_url=url)
    monkeypatch.delenv(variable)  # read once
    assert backend.send_text(NUMBER, "Ciao").wamid
    backend.close()


def test_a_certificate_the_bundle_does_not_vouch_for_sends_nothing(monkeypatch, tls_fake):
    fake, _bundle = tls_fake
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    backend = CloudBackend("1", access_token=TOKEN, base_url=f"https://127.0.0.1:{fake.port}")
    error = failed_send(backend)  # certifi's bundle does not know the fake's certificate
    assert (error.kind, error.ambiguous) == (ErrorKind.RETRYABLE, False)
    assert fake.accepted == []


def test_a_send_pool_shares_one_pool_of_keep_alive_connections(fake):
    """SEND_CONCURRENCY threads over as many connections at most, each kept open for the next message until
    ``close()``."""
    fake.latency = 0.02
    backend = CloudBackend("1", access_token=TOKEN, base_url=fake.url, concurrency=8)
    with ThreadPoolExecutor(8) as pool:
        wamids = list(pool.map(lambda i: backend.send_text(f"+3933300{i:05d}", "Ciao").wamid, range(200)))
    assert len(set(wamids)) == 200
    assert (opened := fake.connections_opened) <= 8
    backend.close()  # the kept connections go: the next call opens a new one
    backend.send_text(NUMBER, "Ciao")
    assert fake.connections_opened == opened + 1


def test_a_connection_meta_closed_while_idle_is_replaced_before_the_next_message():
    """Meta closes keep-alive connections it finds idle: the next message goes on a new connection, sent once,
    instead of failing as "may have been sent" on the dead one."""
    answer = json.dumps({"messaging_product": "whatsapp", "messages": [{"id": "wamid.OK"}]}).encode()
    requests_seen, connections, hung_up = [], [], threading.Event()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def answer_once_then_hang_up():
            for _ in range(2):
                connection, _address = server.accept()
                connections.append(connection)
                with connection:
                    requests_seen.append(connection.recv(65536).split(b"\r\n")[0])
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                    connection.sendall(b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer))
                hung_up.set()  # closed, as Meta closes an idle connection: the client learns it only from the socket

        thread = threading.Thread(target=answer_once_then_hang_up, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        backend = CloudBackend("1", access_token=TOKEN, base_url=url, api_version="v25.0")
        assert backend.send_text(NUMBER, "Prima notizia").wamid == "wamid.OK"
        assert hung_up.wait(5)
        assert backend.send_text(NUMBER, "Seconda notizia").wamid == "wamid.OK"
        thread.join(timeout=5)
        backend.close()
    assert requests_seen == [b"POST /v25.0/1/messages HTTP/1.1"] * 2
    assert len(connections) == 2
