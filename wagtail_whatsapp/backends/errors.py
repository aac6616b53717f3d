"""Meta's error codes → ``WhatsAppError`` with an ``ErrorKind``, following the table in docs/backends.md.

Decisions are taken on Meta's ``code`` (and, for unknown codes, on the code's family and the HTTP status), never on the
message text. Transport failures (timeouts, dropped or refused connections) are classified here too, so the rest of
the plugin handles one exception type.

Unknown codes (Meta adds new ones every few versions):
- 131xxx (message-level errors) → RECIPIENT: this message fails, the broadcast goes on; a circuit breaker upstream
  still stops a broadcast whose every message fails.
- 132xxx (template errors) and 133xxx (registration errors) → FATAL: every recipient would fail the same way.
- otherwise by HTTP status: 401/403 → FATAL, 429 → RATE_LIMITED, 5xx → RETRYABLE (a few times), other 4xx → RECIPIENT.
"""

import http.client
import json

from urllib3.exceptions import (
    ConnectTimeoutError,
    LocationValueError,
    MaxRetryError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError

FATAL_CODES = frozenset(
    {0, 190, 3, 10, 368, 131031, 131042, 131048, 133010, 132000, 132001, 132005, 132007, 132012, 132015, 132016}
)
PERMISSION_CODES = range(200, 300)
TEMPORARY_CODES = frozenset({1, 2, 131000, 131016})
RATE_LIMIT_CODES = frozenset({4, 80007, 130429})
RECIPIENT_CODES = frozenset({100, 131008, 131009, 131026, 131047, 131049, 131050, 131051, 131053})

# Suggested first delays (seconds); the sender backs off exponentially from them (outbound/sender.py ``backoff``).
TEMPORARY_DELAY = 2.0
THROUGHPUT_DELAY = 1.0  # 130429 is a per-second limit: a second later the bucket has refilled
MANAGEMENT_RATE_DELAY = 60.0  # 4 and 80007 count calls per hour: waiting seconds would not help
MAINTENANCE_DELAY = 60.0  # 131057: Meta says "up to a minute"
PAIR_RATE_DELAY = 6.0  # 131056: about one message every 6 s to the same user
MARKETING_CAP_DELAY = 24 * 3600.0  # 131049: never within 24 hours
TRANSPORT_DELAY = 2.0


def classify_code(code, http_status=None):
    """``(kind, retry_after)`` for a Meta error code; ``retry_after`` is a hint in seconds, or None."""
    if code in FATAL_CODES or code in PERMISSION_CODES:
        return ErrorKind.FATAL, None
    if code in TEMPORARY_CODES:
        return ErrorKind.RETRYABLE, TEMPORARY_DELAY
    if code == 130429:
        return ErrorKind.RATE_LIMITED, THROUGHPUT_DELAY
    if code in RATE_LIMIT_CODES:
        return ErrorKind.RATE_LIMITED, MANAGEMENT_RATE_DELAY
    if code == 131057:
        return ErrorKind.RETRYABLE, MAINTENANCE_DELAY
    if code == 131056:
        # Only this recipient is too fast: retry it later, without slowing the whole broadcast down.
        return ErrorKind.RETRYABLE, PAIR_RATE_DELAY
    if code == 131049:
        return ErrorKind.RECIPIENT, MARKETING_CAP_DELAY
    if code in RECIPIENT_CODES:
        return ErrorKind.RECIPIENT, None
    return _classify_unknown(code, http_status)


def _classify_unknown(code, http_status):
    if isinstance(code, int) and 131000 <= code < 132000:
        return ErrorKind.RECIPIENT, None
    if isinstance(code, int) and 132000 <= code < 134000:
        return ErrorKind.FATAL, None
    if http_status in (401, 403):
        return ErrorKind.FATAL, None
    if http_status == 429:
        return ErrorKind.RATE_LIMITED, THROUGHPUT_DELAY
    if http_status is None or http_status >= 500:
        return ErrorKind.RETRYABLE, TEMPORARY_DELAY
    return ErrorKind.RECIPIENT, None


def scrub(text, secrets=()):
    """Remove secrets from a text that may end up in an exception, a log or the database."""
    text = str(text or "")
    for secret in secrets:
        if secret:
            text = text.replace(secret, "•••")
    return text


def error_from_meta(error, *, http_status=None, secrets=()):
    """A WhatsAppError from Meta's ``{"message", "code", "error_subcode", "error_data": {"details"}, ...}``."""
    if not isinstance(error, dict):
        error = {}
    code = error.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    subcode = error.get("error_subcode")
    error_data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
    details = scrub(error_data.get("details", ""), secrets)
    message = scrub(error.get("message") or error.get("title") or "WhatsApp error", secrets)
    kind, retry_after = classify_code(code, http_status)
    return WhatsAppError(
        message,
        kind=kind,
        code=code,
        subcode=subcode if isinstance(subcode, int) else None,
        details=details,
        http_status=http_status,
        retry_after=retry_after,
        fbtrace_id=str(error.get("fbtrace_id") or ""),
    )


def json_body(body):
    """Meta's answer decoded from its bytes, or None when it is empty or not JSON."""
    try:
        return json.loads(body) if body else None
    except ValueError:  # UnicodeDecodeError included
        return None


def error_from_response(status, body, *, secrets=()):
    """A WhatsAppError for an HTTP error answer (its status and bytes), whatever its body: Meta's JSON, an HTML
    gateway page or nothing."""
    payload = json_body(body)
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return error_from_meta(payload["error"], http_status=status, secrets=secrets)
    kind, retry_after = _classify_unknown(None, status)
    what = "an empty body" if not body else "a body that is not Meta's error JSON"
    return WhatsAppError(
        f"The Graph API answered HTTP {status} with {what}.",
        kind=kind,
        http_status=status,
        retry_after=retry_after,
        # A gateway error page may come after Meta accepted the message: the caller must not assume it was not sent.
        ambiguous=status in (502, 503, 504),
    )


def invalid_answer(message, *, http_status=None):
    """A 2xx answer unlike Meta's documentation (not JSON, no ``messages``...): retryable, may have gone out."""
    return WhatsAppError(
        message,
        kind=ErrorKind.RETRYABLE,
        http_status=http_status,
        retry_after=TEMPORARY_DELAY,
        ambiguous=True,
    )


def invalid_url(reason, *, secrets=()):
    """FATAL: every call would go to the same wrong place."""
    message = f"The Graph API URL is not valid (API_BASE_URL): {scrub(reason, secrets)}"
    return WhatsAppError(message, kind=ErrorKind.FATAL)


def error_from_transport(exc, *, secrets=()):
    """A WhatsAppError for a call that got no answer (urllib3's exception, or http.client's and the socket's on a
    thread's own connection). Ambiguous when the request may have reached Meta: only a connection never made (refused,
    DNS, TLS handshake, the proxy unreachable) sent nothing."""
    if isinstance(exc, MaxRetryError) and exc.reason is not None:  # what a download's redirect policy wraps
        exc = exc.reason
    if isinstance(exc, LocationValueError):
        return invalid_url(type(exc).__name__, secrets=secrets)
    if isinstance(exc, (ConnectTimeoutError, SSLError, ProxyError)):  # NewConnectionError is a ConnectTimeoutError
        return could_not_connect(exc, secrets=secrets)
    if isinstance(exc, (ReadTimeoutError, TimeoutError)):
        message = "The Graph API did not answer in time; the message may have been sent."
    elif isinstance(exc, (ProtocolError, ConnectionError, http.client.HTTPException)):
        message = "The connection to the Graph API dropped before the answer; the message may have been sent."
    else:
        message = f"Request to the Graph API failed: {scrub(type(exc).__name__, secrets)}"
    return WhatsAppError(message, kind=ErrorKind.RETRYABLE, retry_after=TRANSPORT_DELAY, ambiguous=True)


def could_not_connect(exc, *, secrets=()):
    """No connection was made: nothing reached Meta, so a retry cannot send a message twice."""
    return WhatsAppError(
        f"Could not connect to the Graph API: {scrub(type(exc).__name__, secrets)}",
        kind=ErrorKind.RETRYABLE,
        retry_after=TRANSPORT_DELAY,
        ambiguous=False,
    )
