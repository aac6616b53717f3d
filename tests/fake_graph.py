"""A fake of Meta's Graph API (WhatsApp Cloud API): a real HTTP server on 127.0.0.1, for tests and benchmarks.

In tests use the ``fake_graph`` fixture (tests/conftest.py): it starts a ``FakeGraph`` on an ephemeral port, points
``WAGTAIL_WHATSAPP`` at it (cloud backend, its token, READ_TIMEOUT 1.0 s) and stops it after the test.

What it does like Meta
- Checks ``Authorization: Bearer <token>`` (``fake.token``): otherwise HTTP 401 with code 190.
- ``POST /<version>/<phone-number-id>/messages``: validates the body (messaging_product, to, a known type, text ≤ 4,096,
  caption ≤ 1,024, media with an id or a link, template with a name and a language) and refuses with Meta's error
  shape, code 100; answers ``{"messaging_product", "contacts", "messages": [{"id": "wamid..."}]}`` with a unique wamid
  (templates add ``message_status: accepted``). ``{"status": "read"}`` bodies answer ``{"success": true}``.
- ``POST .../media`` (multipart: messaging_product=whatsapp, file with its type) → ``{"id"}``; kept in ``fake.media``.
- ``POST``/``DELETE .../block_users``: numbers in ``block_failures`` ({number: code}) fail; a partial failure answers
  HTTP 400 with the per-user lists AND an ``error`` 139100, as Meta does.
- ``GET /<version>/<waba-id>/message_templates``: ``fake.templates`` in pages of ``template_page_size`` (or ``limit``),
  with ``paging.cursors.after`` and ``paging.next`` on every page but the last.
- ``GET /<version>/<phone-number-id>?fields=...``: ``fake.phone_number_fields`` (throughput, messaging limit...).

Fault knobs (attributes; set them in a test, e.g. ``fake_graph.latency = 0.2``, or POST JSON to ``/_fake/config``)
- ``latency``: seconds slept before every API answer.
- ``error_5xx_rate``: share of sends answered HTTP 500 with Meta's code 2 (``error_5xx_style="html"``: a 502 HTML page).
  Refused sends are not accepted.
- ``timeout_rate``: share of sends that get no answer: ``timeout_mode="hold"`` sleeps ``hold_seconds`` (default 2.0,
  longer than the fixture's READ_TIMEOUT of 1.0) before answering; ``"drop"`` closes the connection without an answer.
  ``timeout_accepts`` (default True): the message was sent all the same, as may happen at Meta; it is in ``accepted``.
- ``rate_limit_per_second``: more accepted sends than this in any sliding 1-second window → 130429.
- ``recipient_errors``: {number: code}, e.g. {"+393330000001": 131026}: sends to that number fail with that code.
- ``token_fails_after``: after N authenticated API calls every call fails with 190 (a token that expired mid-send).
- ``seed``: the random generator behind the rates, for repeatable runs (``reset()`` reseeds it).
Decisions are drawn in the order requests arrive, so with concurrency they are repeatable in share, not per message.

What it records (``reset()`` clears it)
- ``requests``: every request (method, path, query, headers, body, json, time).
- ``accepted``: every accepted message (to, body, wamid, time); ``duplicates()``: the same body to the same number
  accepted more than once; ``per_second_counts()``, ``max_in_any_window(1.0)``, ``stats()``.

Standalone, e.g. for a benchmark: ``python -m tests.fake_graph --port 18400 --latency 0.15 --rate-limit 80``
prints ``FAKE_GRAPH_URL=http://127.0.0.1:18400`` and ``FAKE_GRAPH_TOKEN=...``; ``GET /_fake/stats`` answers the
figures as JSON (messages_per_second, max_in_any_second, duplicates...), ``POST /_fake/reset`` clears them,
``POST /_fake/config`` sets knobs; ``--stats-file`` writes the stats there on exit (SIGINT or SIGTERM).
"""

import argparse
import base64
import bisect
import email.parser
import email.policy
import itertools
import json
import random
import signal
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT_TOKEN = "fake-graph-token"
MESSAGE_TYPES = {"text", "image", "video", "audio", "document", "sticker", "template", "interactive", "location"}
ERROR_TITLES = {
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
    100: "Invalid parameter",
    130429: "Rate limit hit",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131050: "User has stopped marketing messages",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132001: "Template name does not exist in the translation",
    139100: "Failed to block/unblock users",
    190: "Error validating access token: Session has expired",
}


def digits(number):
    return "".join(ch for ch in str(number) if ch.isdigit())


def meta_error(code, details="", message=None):
    return {
        "error": {
            "message": f"({code}) {message or ERROR_TITLES.get(code, 'Error')}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details or ERROR_TITLES.get(code, "")},
            "fbtrace_id": "AFakeTrace" + str(code),
        }
    }


def default_templates():
    return [
        {
            "name": "notizia_comune",
            "language": "it",
            "status": "APPROVED",
            "category": "MARKETING",
            "parameter_format": "NAMED",
            "id": "1387372356726668",
            "components": [
                {"type": "HEADER", "format": "IMAGE"},
                {"type": "BODY", "text": "{{titolo}}\n{{sommario}}"},
                {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Leggi", "url": "https://esempio.it/{{1}}"}]},
            ],
        },
        {
            "name": "allerta_meteo",
            "language": "it",
            "status": "APPROVED",
            "category": "UTILITY",
            "parameter_format": "POSITIONAL",
            "id": "1304694804498707",
            "components": [{"type": "BODY", "text": "Allerta: {{1}}"}],
        },
        {
            "name": "evento",
            "language": "it",
            "status": "PENDING",
            "category": "MARKETING",
            "parameter_format": "POSITIONAL",
            "id": "1137051647947973",
            "components": [{"type": "BODY", "text": "{{1}}"}],
        },
    ]


class Refusal(Exception):
    def __init__(self, code, details="", status=400):
        super().__init__(code)
        self.code, self.details, self.status = code, details, status


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    json: object
    at: float


@dataclass
class Accepted:
    to: str
    body: dict
    wamid: str
    at: float = field(default_factory=time.time)


class FakeGraph:
    def __init__(self, host="127.0.0.1", port=0, token=DEFAULT_TOKEN, seed=0, **knobs):
        self.host, self.port, self.token = host, port, token
        self.lock = threading.Lock()
        self.seed = seed
        self.latency = 0.0
        self.error_5xx_rate = 0.0
        self.error_5xx_style = "json"
        self.timeout_rate = 0.0
        self.timeout_mode = "hold"
        self.timeout_accepts = True
        self.hold_seconds = 2.0
        self.rate_limit_per_second = None
        self.recipient_errors = {}
        self.block_failures = {}
        self.token_fails_after = None
        self.templates = default_templates()
        self.template_page_size = 100
        self.phone_number_fields = {
            "display_phone_number": "+39 0123 456789",
            "throughput": {"level": "STANDARD"},
            "whatsapp_business_manager_messaging_limit": "TIER_250",
        }
        self.configure(**knobs)
        self.server = None
        self.reset()

    def configure(self, **knobs):
        for name, value in knobs.items():
            if name.startswith("_") or not hasattr(self, name) or callable(getattr(self, name)):
                raise ValueError(f"Unknown fake Graph API knob: {name}")
            setattr(self, name, value)
        if "seed" in knobs:
            self.rng = random.Random(self.seed)

    def reset(self):
        with self.lock:
            self.rng = random.Random(self.seed)
            self.requests, self.accepted, self.media = [], [], {}
            self.errors = Counter()
            self.api_calls = 0
            self._recent = deque()  # accepted times in the last second, for the rate limit
            self._ids = itertools.count(1)

    # Lifecycle

    def start(self):
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = _Server((self.host, self.port), handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), name="fake-graph", daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    # Figures

    def duplicates(self):
        counts = Counter((a.to, json.dumps(a.body, sort_keys=True)) for a in list(self.accepted))
        return {key: n for key, n in counts.items() if n > 1}

    def per_second_counts(self):
        return dict(sorted(Counter(int(a.at) for a in list(self.accepted)).items()))

    def max_in_any_window(self, seconds=1.0):
        times = sorted(a.at for a in list(self.accepted))
        return max((bisect.bisect_left(times, t + seconds) - i for i, t in enumerate(times)), default=0)

    def stats(self):
        accepted = list(self.accepted)
        span = accepted[-1].at - accepted[0].at if len(accepted) > 1 else 0.0
        return {
            "requests": len(self.requests),
            "accepted": len(accepted),
            "recipients": len({a.to for a in accepted}),
            "duplicates": sum(n - 1 for n in self.duplicates().values()),
            "errors": {str(code): n for code, n in self.errors.items()},
            "duration_seconds": round(span, 3),
            "messages_per_second": round((len(accepted) - 1) / span, 2) if span else float(len(accepted)),
            "max_in_any_second": self.max_in_any_window(1.0),
            "per_second": {str(k): v for k, v in self.per_second_counts().items()},
        }

    # Request handling (called from the handler threads)

    def _next_wamid(self):
        raw = f"fake-{next(self._ids)}-{self.rng.getrandbits(48):012x}".encode()
        return "wamid." + base64.b64encode(raw).decode()

    def _draw(self, rate):
        return rate > 0 and self.rng.random() < rate

    def handle(self, method, path, query, headers, body):
        """(status, payload) or ("hold"/"drop", payload-after-hold)."""
        parsed = None
        if body and headers.get("content-type", "").startswith("application/json"):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = ValueError
        with self.lock:
            self.requests.append(RecordedRequest(method, path, query, headers, body, parsed, time.time()))
        if headers.get("authorization") != f"Bearer {self.token}":
            return self._refuse(Refusal(190, "Invalid OAuth access token", status=401))
        with self.lock:
            self.api_calls += 1
            expired = self.token_fails_after is not None and self.api_calls > self.token_fails_after
        if expired:
            return self._refuse(Refusal(190, "Session has expired", status=401))
        if self.latency:
            time.sleep(self.latency)
        parts = [p for p in path.split("/") if p]
        try:
            if parsed is ValueError:
                raise Refusal(100, "The request body is not valid JSON")
            if len(parts) == 3 and parts[2] == "messages" and method == "POST":
                return self._messages(parsed)
            if len(parts) == 3 and parts[2] == "media" and method == "POST":
                return self._upload(headers, body)
            if len(parts) == 3 and parts[2] == "block_users" and method in ("POST", "DELETE"):
                return self._block(parsed)
            if len(parts) == 3 and parts[2] == "message_templates" and method == "GET":
                return self._templates(query)
            if len(parts) == 2 and method == "GET":
                return 200, {"id": parts[1], **self.phone_number_fields}
            raise Refusal(100, f"Unsupported {method} request", status=400)
        except Refusal as refusal:
            return self._refuse(refusal)

    def _refuse(self, refusal):
        with self.lock:
            self.errors[refusal.code] += 1
        return refusal.status, meta_error(refusal.code, refusal.details)

    def _messages(self, body):
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            raise Refusal(100, "The parameter messaging_product is required.")
        if body.get("status") == "read":
            if not body.get("message_id"):
                raise Refusal(100, "The parameter message_id is required.")
            return 200, {"success": True}
        to, kind = body.get("to"), body.get("type", "text")
        if not to or not digits(to):
            raise Refusal(100, "The parameter to is required.")
        if kind not in MESSAGE_TYPES or not isinstance(body.get(kind), dict):
            raise Refusal(100, f"Param type must be one of {sorted(MESSAGE_TYPES)} with a matching object.")
        _validate_content(kind, body[kind])
        with self.lock:
            if self._draw(self.error_5xx_rate):
                self.errors[2] += 1
                if self.error_5xx_style == "html":
                    return 502, "<html><body><h1>502 Bad Gateway</h1></body></html>"
                return 500, meta_error(2)
            timeout = self._draw(self.timeout_rate)
            code = self.recipient_errors.get(to) or self.recipient_errors.get(digits(to))
            if code is None:
                code = {digits(k): v for k, v in self.recipient_errors.items()}.get(digits(to))
            if code:
                self.errors[code] += 1
                return 400, meta_error(code)
            now = time.time()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if self.rate_limit_per_second is not None and len(self._recent) >= self.rate_limit_per_second:
                self.errors[130429] += 1
                return 400, meta_error(130429)
            wamid = self._next_wamid()
            answer = {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": digits(to)}],
                "messages": [{"id": wamid, **({"message_status": "accepted"} if kind == "template" else {})}],
            }
            if not timeout or self.timeout_accepts:
                self._recent.append(now)
                self.accepted.append(Accepted(to=to, body=body, wamid=wamid, at=now))
        if timeout:
            return self.timeout_mode, answer
        return 200, answer

    def _upload(self, headers, body):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + headers.get("content-type", "").encode() + b"\r\n\r\n" + body
        )
        fields, upload = {}, None
        for part in message.iter_parts() if message.is_multipart() else ():
            name = part.get_param("name", header="content-disposition")
            if name == "file":
                upload = part
            elif name:
                fields[name] = part.get_content().strip() if part.get_content_maintype() == "text" else ""
        if fields.get("messaging_product") != "whatsapp":
            raise Refusal(100, "The parameter messaging_product is required.")
        if upload is None:
            raise Refusal(100, "The parameter file is required.")
        mime_type = upload.get_content_type()
        content = upload.get_payload(decode=True) or b""
        if mime_type not in ("image/jpeg", "image/png", "video/mp4", "video/3gpp"):
            raise Refusal(131053, f"Unsupported media type {mime_type}")
        with self.lock:
            media_id = str(10**15 + next(self._ids))
            self.media[media_id] = {"mime_type": mime_type, "size": len(content), "filename": upload.get_filename()}
        return 200, {"id": media_id}

    def _block(self, body):
        body = body if isinstance(body, dict) else {}
        users = body.get("block_users")
        if body.get("messaging_product") != "whatsapp" or not isinstance(users, list) or not users:
            raise Refusal(100, "The parameters messaging_product and block_users are required.")
        added, failed = [], []
        for entry in users:
            user = str(entry.get("user", "")) if isinstance(entry, dict) else ""
            code = self.block_failures.get(user) or {digits(k): v for k, v in self.block_failures.items()}.get(
                digits(user)
            )
            item = {"input": user, "wa_id": digits(user)}
            if code:
                failed.append({**item, "errors": [{**meta_error(code)["error"], "fbtrace_id": None}]})
            else:
                added.append(item)
        answer = {"messaging_product": "whatsapp", "block_users": {"added_users": added}}
        if not failed:
            return 200, answer
        answer["block_users"]["failed_users"] = failed
        answer.update(meta_error(139100, "Failed to block some users, see the block_users response list for details"))
        return 400, answer

    def _templates(self, query):
        size = int(query.get("limit", self.template_page_size))
        size = max(1, min(size, self.template_page_size))
        start = int(base64.b64decode(query["after"]).decode()) if query.get("after") else 0
        fields = query.get("fields", "name,status,id").split(",")
        page = [{k: v for k, v in t.items() if k in fields} for t in self.templates[start : start + size]]
        end = start + len(page)
        paging = {"cursors": {"before": base64.b64encode(str(start).encode()).decode()}}
        paging["cursors"]["after"] = base64.b64encode(str(end).encode()).decode()
        if end < len(self.templates):
            paging["next"] = f"{self.url}/fake/message_templates?after={paging['cursors']['after']}"
        return 200, {"data": page, "paging": paging}


def _validate_content(kind, content):
    if kind == "text":
        text = content.get("body")
        if not isinstance(text, str) or not text:
            raise Refusal(100, "The parameter text['body'] is required.")
        if len(text) > 4096:
            raise Refusal(100, "Param text['body'] must be at most 4096 characters long.")
    elif kind in ("image", "video", "audio", "document", "sticker"):
        if not content.get("id") and not content.get("link"):
            raise Refusal(100, f"Param {kind} must have an id or a link.")
        if len(str(content.get("caption", ""))) > 1024:
            raise Refusal(100, f"Param {kind}['caption'] must be at most 1024 characters long.")
    elif kind == "template":
        if not content.get("name"):
            raise Refusal(100, "The parameter template['name'] is required.")
        language = content.get("language")
        if not isinstance(language, dict) or not language.get("code"):
            raise Refusal(100, "The parameter template['language']['code'] is required.")
        components = content.get("components", [])
        if not isinstance(components, list) or not all(isinstance(c, dict) and c.get("type") for c in components):
            raise Refusal(100, "Param template['components'] must be a list of components with a type.")
        for component in components:
            if component["type"] == "button" and (component.get("sub_type") != "url" or "index" not in component):
                raise Refusal(100, "A button component needs sub_type and index.")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024  # many clients connecting at once


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Meta
    # One write per answer and no Nagle delay: otherwise each answer waits ~40 ms for a delayed ACK.
    wbufsize = -1
    disable_nagle_algorithm = True
    fake = None

    def log_message(self, format, *args):  # quiet
        pass

    def _answer(self, status, payload):
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        content_type = "text/html" if isinstance(payload, str) else "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/_fake/"):
            return self._control(url.path, body)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = self.fake.handle(self.command, url.path, query, headers, body)
        if status == "drop":
            self.close_connection = True
            return
        if status == "hold":
            time.sleep(self.fake.hold_seconds)
            status = 200
        try:
            self._answer(status, payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            self.close_connection = True

    def _control(self, path, body):
        if path == "/_fake/stats":
            return self._answer(200, self.fake.stats())
        if path == "/_fake/reset" and self.command == "POST":
            self.fake.reset()
            return self._answer(200, {"ok": True})
        if path == "/_fake/config" and self.command == "POST":
            try:
                self.fake.configure(**json.loads(body or b"{}"))
            except (ValueError, TypeError) as exc:
                return self._answer(400, {"error": str(exc)})
            return self._answer(200, {"ok": True})
        return self._answer(404, {"error": "unknown control endpoint"})

    do_GET = do_POST = do_DELETE = _dispatch


def main(argv=None):
    parser = argparse.ArgumentParser(description="A fake WhatsApp Cloud API (Graph API) for tests and benchmarks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=None, help="130429 above this many messages/s")
    parser.add_argument("--error-5xx-rate", type=float, default=0.0)
    parser.add_argument("--timeout-rate", type=float, default=0.0)
    parser.add_argument("--timeout-mode", choices=["hold", "drop"], default="hold")
    parser.add_argument("--hold-seconds", type=float, default=2.0)
    parser.add_argument("--token-fails-after", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stats-file", default="", help="write the stats as JSON here on exit")
    args = parser.parse_args(argv)
    fake = FakeGraph(
        host=args.host,
        port=args.port,
        token=args.token,
        seed=args.seed,
        latency=args.latency,
        rate_limit_per_second=args.rate_limit,
        error_5xx_rate=args.error_5xx_rate,
        timeout_rate=args.timeout_rate,
        timeout_mode=args.timeout_mode,
        hold_seconds=args.hold_seconds,
        token_fails_after=args.token_fails_after,
    ).start()
    print(f"FAKE_GRAPH_URL={fake.url}", flush=True)
    print(f"FAKE_GRAPH_TOKEN={fake.token}", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    while not stopping.wait(0.5):
        pass
    fake.stop()
    if args.stats_file:
        with open(args.stats_file, "w") as stats_file:
            json.dump(fake.stats(), stats_file, indent=2)
    json.dump({k: v for k, v in fake.stats().items() if k != "per_second"}, sys.stdout)
    print(flush=True)


if __name__ == "__main__":
    main()
