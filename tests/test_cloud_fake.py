"""The cloud backend against the fake Graph API (a real HTTP server), and the fake's fault knobs."""

import json
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import ErrorKind, TemplateParameters, WhatsAppError
from wagtail_whatsapp.backends.cloud import CloudBackend

NUMBER = "+393331234567"


@pytest.fixture
def backend(fake_graph):
    backend = get_backend()
    assert isinstance(backend, CloudBackend)
    yield backend
    backend.close()


def last_body(fake):
    return fake.requests[-1].json


def test_send_text_with_callback_data(backend, fake_graph):
    result = backend.send_text(NUMBER, "Nuova notizia: https://esempio.it/n/1", preview_url=True, callback_data="d:7")
    assert result.wamid.startswith("wamid.") and result.wa_id == "393331234567"
    request = fake_graph.requests[-1]
    assert request.path == "/v25.0/106540352242922/messages"
    assert request.headers["authorization"] == f"Bearer {fake_graph.token}"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": NUMBER,
        "type": "text",
        "text": {"body": "Nuova notizia: https://esempio.it/n/1", "preview_url": True},
        "biz_opaque_callback_data": "d:7",
    }
    assert [a.wamid for a in fake_graph.accepted] == [result.wamid]


@pytest.mark.parametrize("media_type", ["image", "video"])
def test_send_uploaded_media_with_caption(backend, fake_graph, media_type):
    result = backend.send_media(NUMBER, media_type, "1479537139650973", caption="Il mercato", callback_data="d:8")
    assert result.wamid
    assert last_body(fake_graph)[media_type] == {"id": "1479537139650973", "caption": "Il mercato"}
    assert last_body(fake_graph)["biz_opaque_callback_data"] == "d:8"


def test_send_template_with_image_header_named_body_and_url_button(backend, fake_graph):
    parameters = TemplateParameters(
        header_media_type="image",
        header_media_id="2871834006348767",
        body={"titolo": "Mercato in piazza", "sommario": "Sabato dalle 8"},
        url_button_suffixes=["notizie/mercato-in-piazza?utm=wa è"],
    )
    result = backend.send_template(NUMBER, "notizia_comune", "it", parameters, callback_data="d:9")
    assert result.message_status == "accepted"
    template = last_body(fake_graph)["template"]
    assert template["name"] == "notizia_comune" and template["language"] == {"code": "it"}
    header, body, button = template["components"]
    assert header == {"type": "header", "parameters": [{"type": "image", "image": {"id": "2871834006348767"}}]}
    assert body["parameters"][0] == {"type": "text", "parameter_name": "titolo", "text": "Mercato in piazza"}
    assert button == {
        "type": "button",
        "sub_type": "url",
        "index": "0",
        "parameters": [{"type": "text", "text": "notizie/mercato-in-piazza?utm=wa%20%C3%A8"}],
    }


def test_positional_template_parameters(backend, fake_graph):
    backend.send_template(NUMBER, "allerta_meteo", "it", TemplateParameters(body=["vento forte"]))
    assert last_body(fake_graph)["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "vento forte"}]}
    ]


def test_upload_media_sends_multipart_with_type(backend, fake_graph):
    media_id = backend.upload_media(b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png", "foto.png")
    assert fake_graph.media[media_id] == {"mime_type": "image/png", "size": 108, "filename": "foto.png"}


def test_mark_as_read(backend, fake_graph):
    assert backend.mark_as_read("wamid.ABC") is True
    assert last_body(fake_graph) == {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.ABC"}


def test_templates_are_listed_across_pages(backend, fake_graph):
    fake_graph.template_page_size = 2
    templates = backend.list_templates("102290129340398")
    assert [t.name for t in templates] == ["notizia_comune", "allerta_meteo", "evento"]
    pages = [r for r in fake_graph.requests if r.path.endswith("/message_templates")]
    assert len(pages) == 2 and "after" in pages[1].query
    assert pages[0].query["fields"] == "name,language,status,category,components,parameter_format,id"
    assert templates[0].parameter_format == "NAMED" and templates[0].components[0]["format"] == "IMAGE"


def test_phone_number_info(backend):
    info = backend.get_phone_number_info()
    assert (info.throughput_level, info.messaging_limit_tier) == ("STANDARD", "TIER_250")


def test_block_users_partial_failure(backend, fake_graph):
    fake_graph.block_failures = {"+393330000002": 131047}
    result = backend.block_users(["+393330000001", "+393330000002"])
    assert result.added == ["+393330000001"]
    assert result.failed["+393330000002"].code == 131047
    assert backend.unblock_users(["+393330000001"]).added == ["+393330000001"]


@pytest.mark.parametrize(
    "send",
    [
        lambda b: b.send_text(NUMBER, "x" * 4097),
        lambda b: b.send_media(NUMBER, "image", "1", caption="x" * 1025),
        lambda b: b.send_template(NUMBER, "notizia_comune", ""),
        lambda b: b.send_media(NUMBER, "video", ""),
    ],
    ids=["text-too-long", "caption-too-long", "template-without-language", "media-without-id"],
)
def test_the_fake_refuses_what_meta_refuses(backend, send):
    with pytest.raises(WhatsAppError) as info:
        send(backend)
    assert (info.value.code, info.value.kind) == (100, ErrorKind.RECIPIENT)


def test_wrong_token_is_fatal(fake_graph, settings):
    backend = CloudBackend("1", access_token="stolen", base_url=fake_graph.url)
    with pytest.raises(WhatsAppError) as info:
        backend.send_text(NUMBER, "Ciao")
    assert (info.value.code, info.value.kind) == (190, ErrorKind.FATAL)


# The knobs other tests and benchmarks rely on


def test_token_fails_after_n_calls(backend, fake_graph):
    fake_graph.token_fails_after = 2
    backend.send_text(NUMBER, "1")
    backend.send_text(NUMBER, "2")
    with pytest.raises(WhatsAppError) as info:
        backend.send_text(NUMBER, "3")
    assert info.value.code == 190 and len(fake_graph.accepted) == 2


def test_recipient_errors(backend, fake_graph):
    fake_graph.recipient_errors = {"393330000001": 131026, "+393330000002": 131047}
    for number, code in (("+393330000001", 131026), ("393330000002", 131047)):
        with pytest.raises(WhatsAppError) as info:
            backend.send_text(number, "Ciao")
        assert (info.value.code, info.value.kind) == (code, ErrorKind.RECIPIENT)
    backend.send_text(NUMBER, "Ciao")
    assert [a.to for a in fake_graph.accepted] == [NUMBER]


def test_latency(backend, fake_graph):
    fake_graph.latency = 0.2
    started = time.monotonic()
    backend.send_text(NUMBER, "Ciao")
    assert time.monotonic() - started >= 0.2


def test_5xx_rate_is_seeded_and_repeatable(backend, fake_graph):
    def run():
        fake_graph.reset()
        outcomes = []
        for i in range(40):
            try:
                backend.send_text(NUMBER, str(i))
                outcomes.append("ok")
            except WhatsAppError as exc:
                assert exc.kind == ErrorKind.RETRYABLE and exc.code == 2
                outcomes.append("5xx")
        return outcomes

    fake_graph.configure(error_5xx_rate=0.5, seed=42)
    first = run()
    assert 8 < first.count("5xx") < 32 and first == run()
    assert len(fake_graph.accepted) == first.count("ok")


def test_5xx_html_style(backend, fake_graph):
    fake_graph.configure(error_5xx_rate=1.0, error_5xx_style="html")
    with pytest.raises(WhatsAppError) as info:
        backend.send_text(NUMBER, "Ciao")
    assert info.value.http_status == 502 and info.value.ambiguous


@pytest.mark.parametrize("mode", ["hold", "drop"])
def test_timeouts_are_ambiguous_and_the_message_may_have_gone(backend, fake_graph, mode):
    fake_graph.configure(timeout_rate=1.0, timeout_mode=mode, hold_seconds=1.5)
    with pytest.raises(WhatsAppError) as info:
        backend.send_text(NUMBER, "Ciao")
    assert (info.value.kind, info.value.ambiguous) == (ErrorKind.RETRYABLE, True)
    assert len(fake_graph.accepted) == 1  # timeout_accepts: Meta sent it although we never heard
    fake_graph.configure(timeout_rate=0.0)
    backend.send_text(NUMBER, "Ciao")  # the retry goes through (same body: a duplicate the fake reports)
    assert len(fake_graph.duplicates()) == 1


def test_rate_limit_in_a_sliding_second(backend, fake_graph):
    fake_graph.rate_limit_per_second = 5
    codes = []
    for i in range(8):
        try:
            backend.send_text(NUMBER, str(i))
        except WhatsAppError as exc:
            codes.append((exc.code, exc.kind))
    assert codes == [(130429, ErrorKind.RATE_LIMITED)] * 3
    assert fake_graph.max_in_any_window(1.0) == 5
    time.sleep(1.05)
    backend.send_text(NUMBER, "later")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's receive time: SO_TIMESTAMPNS, Linux")
def test_a_message_counts_when_it_arrived_not_when_the_busy_fake_got_to_it(fake_graph):
    """A benchmark's "most in any second" is the fake's: a backlog the busy fake reads at once is not a burst."""
    client = (
        "import http.client, json, sys, time\n"
        "c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]))\n"
        "body = json.dumps({'messaging_product': 'whatsapp', 'to': '393331234567', 'type': 'text',\n"
        "                   'text': {'body': 'Ciao'}}).encode()\n"
        "sent = time.time()\n"
        "c.request('POST', '/v25.0/123/messages', body=body,\n"
        "          headers={'Authorization': 'Bearer ' + sys.argv[3], 'Content-Type': 'application/json'})\n"
        "c.getresponse().read()\n"
        "print(sent)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", client, fake_graph.host, str(fake_graph.port), fake_graph.token],
        stdout=subprocess.PIPE,
        text=True,
    )
    interval = sys.getswitchinterval()
    sys.setswitchinterval(5.0)  # this thread keeps the interpreter: the fake's threads wait, as under load
    try:
        busy_until = time.monotonic() + 0.6
        while time.monotonic() < busy_until:
            pass
    finally:
        sys.setswitchinterval(interval)
    sent = float(process.communicate(timeout=10)[0])
    (accepted,) = fake_graph.accepted
    assert accepted.at - sent < 0.2  # when it reached the machine; the fake read it about 0.5 s later


def test_many_concurrent_sends_share_the_pool(fake_graph, settings):
    fake_graph.latency = 0.05
    backend = CloudBackend(concurrency=50)
    numbers = [f"+3933300{i:05d}" for i in range(300)]
    with ThreadPoolExecutor(50) as pool:
        wamids = list(pool.map(lambda n: backend.send_text(n, "Ciao").wamid, numbers))
    backend.close()
    assert len(set(wamids)) == 300 and fake_graph.stats()["recipients"] == 300
    # Sends overlap: one at a time, each waits out the 50 ms latency, so no two would arrive within 50 ms.
    assert fake_graph.max_in_any_window(0.05) >= 10
    connections = {r.headers.get("connection") for r in fake_graph.requests}
    assert "close" not in connections


def test_standalone_process_with_stats(tmp_path):
    stats_file = tmp_path / "stats.json"
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_graph", "--port", "0", "--rate-limit", "3", "--stats-file", str(stats_file)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip().split("=", 1)[1]
        token = process.stdout.readline().strip().split("=", 1)[1]
        backend = CloudBackend("1", access_token=token, base_url=url)
        outcomes = []
        for i in range(5):
            try:
                outcomes.append(backend.send_text(NUMBER, str(i)).wamid)
            except WhatsAppError as exc:
                outcomes.append(exc.code)
        assert outcomes[3:] == [130429, 130429]
        with urllib.request.urlopen(f"{url}/_fake/stats") as answer:  # noqa: S310 (local fake)
            stats = json.load(answer)
        assert stats["accepted"] == 3 and stats["max_in_any_second"] == 3 and stats["errors"] == {"130429": 2}
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert json.loads(stats_file.read_text())["accepted"] == 3


@pytest.mark.parametrize(
    "body,details",
    [
        ({"to": NUMBER, "type": "text", "text": {"body": "Ciao"}}, "messaging_product is required"),
        ({"messaging_product": "whatsapp", "to": NUMBER, "type": "fax", "fax": {}}, "Param type must be one of"),
        ({"messaging_product": "whatsapp", "type": "text", "text": {"body": "Ciao"}}, "to is required"),
    ],
)
def test_the_fake_validates_raw_bodies_like_meta(fake_graph, body, details):
    import requests

    answer = requests.post(
        f"{fake_graph.url}/v25.0/1/messages",
        json=body,
        headers={"Authorization": f"Bearer {fake_graph.token}"},
        timeout=5,
    )
    error = answer.json()["error"]
    assert answer.status_code == 400 and error["code"] == 100 and details in error["error_data"]["details"]
    assert error["type"] == "OAuthException" and error["fbtrace_id"]
    assert fake_graph.accepted == []


# The fake parses ordinary HTTP/1.1 requests itself (the email package's parser was two fifths of its CPU on the
# benchmarks' shared cores): it must answer them as http.server would.


def _raw_request(fake, *requests_bytes, shut=False):
    """Send ``requests_bytes`` on one connection; everything the fake answered before closing or going quiet."""
    import socket

    with socket.create_connection((fake.host, fake.port), timeout=2) as sock:
        for data in requests_bytes:
            sock.sendall(data)
        if shut:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except TimeoutError:
            pass  # kept alive: all the fake had to say is in
    return answer


def _message_request(fake, headers, body=None, version="HTTP/1.1"):
    body = (
        body
        if body is not None
        else json.dumps(
            {"messaging_product": "whatsapp", "to": NUMBER, "type": "text", "text": {"body": "Ciao"}}
        ).encode()
    )
    lines = [f"POST /v25.0/1/messages {version}", f"Host: {fake.host}", *headers]
    lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_the_fake_reads_header_names_in_any_case_and_keeps_the_connection(fake_graph):
    request = _message_request(
        fake_graph, [f"AUTHORIZATION: Bearer {fake_graph.token}", "content-type: application/json"]
    )
    answer = _raw_request(fake_graph, request, request)
    assert answer.count(b"HTTP/1.1 200 OK") == 2  # two answers on one kept-alive connection
    assert len(fake_graph.accepted) == 2


def test_the_fake_refuses_a_header_line_without_a_colon(fake_graph):
    answer = _raw_request(fake_graph, _message_request(fake_graph, ["Authorization Bearer x"]))
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Bad header line" in answer
    assert fake_graph.accepted == []


def test_the_fake_closes_when_asked_and_answers_100_continue(fake_graph):
    headers = [f"Authorization: Bearer {fake_graph.token}", "Expect: 100-continue", "Connection: close"]
    request = _message_request(fake_graph, headers)
    head, body = request.split(b"\r\n\r\n", 1)
    answer = _raw_request(fake_graph, head + b"\r\n\r\n", body)
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")
    assert len(fake_graph.accepted) == 1  # and the fake closed the connection (the read above ended)


def test_the_fake_answers_http_1_0_the_standard_way(fake_graph):
    request = _message_request(fake_graph, [f"Authorization: Bearer {fake_graph.token}"], version="HTTP/1.0")
    answer = _raw_request(fake_graph, request)
    assert answer.startswith(b"HTTP/1.1 200 OK") and len(fake_graph.accepted) == 1
