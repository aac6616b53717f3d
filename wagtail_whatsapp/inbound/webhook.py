"""The webhook Meta calls: GET for the verification handshake, POST for messages, statuses and other changes.

The POST stays thin and fast: size, signature (before anything else is read), JSON, then ``ingest_payload`` stores the
events and enqueues their processing. Whatever arrives, the answer is a short 2xx/4xx, never a 500: Meta retries
anything but 200 for days, so only a payload we could not store at all should be refused.
"""

import hashlib
import hmac
import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from wagtail_whatsapp import conf
from wagtail_whatsapp.inbound.events import PayloadError
from wagtail_whatsapp.inbound.ingest import ingest_payload

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "HTTP_X_HUB_SIGNATURE_256"
SIGNATURE_PREFIX = "sha256="


def _text(status, reason):
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")


def compute_signature(body, secret):
    """``X-Hub-Signature-256`` value for ``body`` (bytes, exactly as sent) keyed with the app ``secret``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(body, header, secrets):
    """True when ``header`` is the HMAC of ``body`` under any of ``secrets`` (several while a secret is rotated)."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    given = header.strip().lower().encode("ascii", "replace")
    valid = False
    for secret in secrets:
        # No early exit: the time taken does not reveal which secret matched.
        valid |= hmac.compare_digest(compute_signature(body, secret).encode(), given)
    return valid


def verify_handshake(request):
    """Meta's subscription check: echo ``hub.challenge`` only for mode ``subscribe`` and the right verify token."""
    expected = conf.get("VERIFY_TOKEN")
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if not expected or not isinstance(expected, str):
        logger.error("WhatsApp webhook verification refused: WAGTAIL_WHATSAPP['VERIFY_TOKEN'] is not set")
        return _text(403, "Verification failed.")
    token_matches = hmac.compare_digest(token.encode(), expected.encode())
    if mode != "subscribe" or not token_matches or not challenge:
        logger.warning("WhatsApp webhook verification refused (mode %r)", mode[:20])
        return _text(403, "Verification failed.")
    return HttpResponse(challenge, content_type="text/plain; charset=utf-8")


def _read_body(request, limit):
    """The raw body, or None when it is larger than ``limit`` bytes (read no further than that)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    try:
        body = request.read(limit + 1)
    except RequestDataTooBig:
        return None
    return None if len(body) > limit else body


def receive_events(request):
    limit = conf.get("WEBHOOK_MAX_BODY_BYTES")
    body = _read_body(request, limit)
    if body is None:
        return _text(413, f"Body larger than {limit} bytes.")

    secrets = conf.app_secrets()
    if not secrets:
        logger.error("WhatsApp webhook refused: WAGTAIL_WHATSAPP['APP_SECRET'] is not set")
        return _text(403, "Webhook secret not configured.")
    header = request.META.get(SIGNATURE_HEADER, "")
    if not header:
        return _text(403, "Missing X-Hub-Signature-256.")
    if not signature_is_valid(body, header, secrets):
        logger.warning("WhatsApp webhook refused: wrong signature")
        return _text(403, "Invalid X-Hub-Signature-256.")

    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond reason
        return _text(400, "Body is not JSON.")
    try:
        result = ingest_payload(payload)
    except PayloadError as exc:
        return _text(400, f"Not a WhatsApp webhook: {exc.reason}.")
    logger.debug("WhatsApp webhook: %s", result.as_dict())
    return JsonResponse(result.as_dict())


@csrf_exempt
def webhook(request):
    if request.method == "GET":
        return verify_handshake(request)
    if request.method == "POST":
        return receive_events(request)
    return HttpResponseNotAllowed(["GET", "POST"])
