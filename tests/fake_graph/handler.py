"""The HTTP side of the fake: a threading server and a keep-alive handler that hands each request to FakeGraph.

A request's arrival is the time the kernel received its first bytes (``SO_TIMESTAMPNS``), not the time the handler's
thread got round to it: with hundreds of threads in one interpreter on a busy machine, that thread may run tens of
milliseconds later and stamp a backlog of requests at once, bunching in the fake's figures what the client spread.
"""

import io
import json
import socket
import struct
import sys
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Linux's value on x86 and ARM (Python's socket module does not name it); elsewhere the handler stamps the time.
SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("qq")
# http.client's own limits for a header line and the number of headers.
MAX_HEADER_LINE = 65536
MAX_HEADERS = 100
_ANCILLARY_SIZE = socket.CMSG_SPACE(_TIMESPEC.size) if hasattr(socket, "CMSG_SPACE") else 0


class StampedReader(io.RawIOBase):
    """A connection's bytes, noting when the kernel received the first bytes of the current request."""

    def __init__(self, sock):
        self.sock = sock
        self.received_at = None  # cleared by the handler before each request

    def readable(self):
        return True

    def readinto(self, buffer):
        size, ancillary, _flags, _address = self.sock.recvmsg_into([buffer], _ANCILLARY_SIZE)
        if self.received_at is None:
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
                    seconds, nanoseconds = _TIMESPEC.unpack_from(data)
                    self.received_at = seconds + nanoseconds / 1e9
        return size


def ask_for_stamps(sock):
    """Have the kernel stamp what ``sock`` receives; False where it cannot."""
    if not sys.platform.startswith("linux") or not _ANCILLARY_SIZE:
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    except OSError:
        return False
    return True


def stamped_reader(sock):
    """A StampedReader when the kernel stamps received bytes, else None (and for TLS, which has no ``recvmsg``)."""
    return StampedReader(sock) if type(sock) is socket.socket and ask_for_stamps(sock) else None


@dataclass(frozen=True)
class RawBody:
    """A non-JSON answer (a media download): the bytes as they are, with their type and any other headers."""

    content: bytes
    content_type: str
    headers: tuple = ()  # (name, value) pairs, e.g. a redirect's Location


class Headers(dict):
    """A request's headers, names lower-cased; ``get`` takes any case (as ``email.message.Message`` does)."""

    def get(self, name, default=None):
        return super().get(name.lower(), default)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024  # many clients connecting at once

    def server_bind(self):
        # Set on the listening socket, the kernel stamps a request that arrives before its connection was accepted.
        ask_for_stamps(self.socket)
        super().server_bind()


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
        self.stamped = stamped_reader(self.connection)
        if self.stamped is not None:
            self.rfile = io.BufferedReader(self.stamped)

    def parse_request(self):
        """The standard parse, without the email package's header parser for an ordinary HTTP/1.1 request: the fake
        stands in for Meta's servers, yet on the benchmarks' two cores it shares the site's CPU, and that parser was
        two fifths of its own. Any other request line (another version, a malformed one) takes the standard way."""
        words = self.raw_requestline.decode("iso-8859-1").rstrip("\r\n").split()
        if len(words) != 3 or words[2] != "HTTP/1.1" or words[1].startswith("//"):
            return super().parse_request()
        self.command, self.path, self.request_version = words
        self.requestline = " ".join(words)
        self.close_connection = True  # until the request proves sound, as the standard parse does
        headers = Headers()
        for _ in range(MAX_HEADERS + 1):
            line = self.rfile.readline(MAX_HEADER_LINE + 1)
            if line in (b"\r\n", b"\n", b""):
                break
            name, colon, value = line.decode("iso-8859-1").partition(":")
            if len(line) > MAX_HEADER_LINE or not colon or not name.strip():
                self.send_error(HTTPStatus.BAD_REQUEST, "Bad header line")
                return False
            headers[name.strip().lower()] = value.strip()
        else:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
            return False
        self.headers = headers
        self.close_connection = headers.get("Connection", "").lower() == "close"
        if headers.get("Expect", "").lower() == "100-continue":
            return self.handle_expect_100()
        return True

    def handle_one_request(self):
        if self.stamped is not None:
            self.stamped.received_at = None  # noted afresh by the read of this request's first bytes
        super().handle_one_request()

    def _arrived(self):
        """When this request's first bytes reached the machine (now, when the kernel did not say)."""
        received_at = self.stamped.received_at if self.stamped is not None else None
        return time.time() if received_at is None else received_at

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
        arrived = self._arrived()
        if url.path.startswith("/_fake/"):
            return self._control(url.path, body)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = self.fake.handle(self.command, url.path, query, headers, body, arrived=arrived)
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
