"""The Graph API's calls on a keep-alive connection of the calling thread's own, straight to Meta's host.

Why not urllib3's pool for these: at Meta's cap the sending process's CPU is the limit, and a call through the pool
costs about twice a call on the thread's own ``http.client`` connection (0.6 against 0.3 ms of CPU per message on the
development machine: the pool's lookups, its queue and lock, its response wrapper). The pool (connection.py) stays
for what this road does not cover: a proxy, and downloads (streamed, redirects followed).

The same promises as the pool: the CA bundle verifies Meta's certificate and its name, connect and read timeouts, a
connection Meta closed while it sat idle is replaced before the call rather than found dead by it, and a failure
says whether the request may have reached Meta (``CouldNotConnect``: it did not).
"""

import http.client
import os
import ssl
import threading
import weakref
from typing import NamedTuple
from urllib.parse import urlsplit

from urllib3.util.wait import wait_for_read

from wagtail_whatsapp.backends import deadline


class Answer(NamedTuple):
    status: int
    data: bytes


class CouldNotConnect(OSError):
    """No connection to Meta could be made (refused, DNS, TLS handshake, timeout): the request was not sent."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


class ThreadConnections:
    """One keep-alive connection per thread to ``base_url``'s host (safe to share between a send pool's threads)."""

    def __init__(self, base_url, *, timeouts, ca_bundle):
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.host, self.port, self.https = parts.hostname, parts.port, parts.scheme == "https"
        self.timeouts = timeouts
        self._context = _tls_context(ca_bundle) if self.https else None
        self._local = threading.local()
        self._opened = weakref.WeakSet()  # every thread's connection, for close()
        self._lock = threading.Lock()

    def serves(self, url):
        return url.startswith(f"{self.origin}/")

    def request(self, method, url, *, body=None, headers):
        """Meta's answer, whatever its status. ``CouldNotConnect`` when nothing was sent; any other ``OSError`` or
        ``http.client.HTTPException`` when the request may have reached Meta; ``deadline.CallTooLate``, with nothing
        sent, when the time set for the call to leave has passed."""
        connection = self._connection()
        deadline.check()  # late already: nothing written, the connection goes on
        try:
            connection.check_before_writing = True  # and once more right before the first byte (below)
            connection.request(method, url[len(self.origin) :], body=body, headers=headers)
            response = connection.getresponse()
            return Answer(response.status, response.read())
        except BaseException:
            connection.close()  # half a conversation: the next call starts on a new connection
            raise

    def close(self):
        with self._lock:
            opened, self._opened = list(self._opened), weakref.WeakSet()
        for connection in opened:
            connection.close()

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is not None and connection.sock is not None and not wait_for_read(connection.sock, timeout=0):
            return connection  # open, and Meta has not closed it nor sent anything unasked
        if connection is None:
            connection = self._new_connection()
        connection.close()
        try:
            connection.connect()
        except OSError as exc:  # ssl.SSLError and socket timeouts are OSErrors
            connection.close()
            raise CouldNotConnect(exc) from exc
        connection.sock.settimeout(self.timeouts.read)
        return connection

    def _new_connection(self):
        if self.https:
            connection = _CheckedHTTPSConnection(
                self.host, self.port, timeout=self.timeouts.connect, context=self._context
            )
        else:
            connection = _CheckedHTTPConnection(self.host, self.port, timeout=self.timeouts.connect)
        self._local.connection = connection
        with self._lock:
            self._opened.add(connection)
        return connection


class _CheckedWrites:
    """The caller's deadline checked once more right before a request's first byte is written: a thread held up while
    http.client builds the request would otherwise still send late. Too late there, the half-built request is
    abandoned with its connection (``request`` closes it); the check before building it keeps the connection in the
    usual case."""

    check_before_writing = False

    def send(self, data):
        if self.check_before_writing:
            self.check_before_writing = False
            deadline.check()
        super().send(data)


class _CheckedHTTPConnection(_CheckedWrites, http.client.HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedWrites, http.client.HTTPSConnection):
    pass


def _tls_context(ca_bundle):
    """Meta's certificate checked against the bundle (a file or a folder), and its name against the host."""
    return ssl.create_default_context(**({"capath": ca_bundle} if os.path.isdir(ca_bundle) else {"cafile": ca_bundle}))
