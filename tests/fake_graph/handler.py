"""The HTTP side of the fake: a threading server and a keep-alive handler that hands each request to FakeGraph."""

import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class RawBody:
    """A non-JSON answer (a media download): the bytes as they are, with their type and any other headers."""

    content: bytes
    content_type: str
    headers: tuple = ()  # (name, value) pairs, e.g. a redirect's Location


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024  # many clients connecting at once


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Meta
    # One write per answer and no Nagle delay: otherwise each answer waits ~40 ms for a delayed ACK.
    wbufsize = -1
    disable_nagle_algorithm = True
    fake = None

    def log_message(self, format, *args):  # quiet
        pass

    def setup(self):  # once per connection, however many requests it then carries
        super().setup()
        self.fake.count_connection()

    def _answer(self, status, payload):
        if isinstance(payload, RawBody):
            data, content_type = payload.content, payload.content_type
        elif isinstance(payload, str):
            data, content_type = payload.encode(), "text/html"
        else:
            data, content_type = json.dumps(payload).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in getattr(payload, "headers", ()):
            self.send_header(name, value)
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
        if path == "/_fake/accepted":  # every accepted message, for checks from another process (scale tests)
            accepted = list(self.fake.accepted)
            return self._answer(200, [{"to": a.to, "at": a.at, "wamid": a.wamid, "body": a.body} for a in accepted])
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
