"""The one signed-webhook test helper (in the spirit of django-anymail's webhook test cases).

    def test_something(webhook):                 # fixture from tests/conftest.py
        response = webhook.post(payload)         # signed with the test app secret, like Meta would
        response = webhook.post_raw(b"...", signature=None)   # unsigned / hand-signed bodies
        response = webhook.handshake(token="test-verify-token", challenge="123")

Payloads are serialised the way Meta serialises them (compact, non-ASCII escaped) and signed over those exact bytes.
"""

import copy
import json
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from wagtail_whatsapp.inbound.webhook import compute_signature
from wagtail_whatsapp.sandbox.simulate import serialise

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
UNSET = object()


def load_webhook(name):
    """A deep copy of one of Meta's sample payloads in tests/fixtures/webhooks/ (``.json`` optional)."""
    path = FIXTURES / (name if name.endswith(".json") else name + ".json")
    return copy.deepcopy(json.loads(path.read_text()))


def test_app_secret():
    secret = settings.WAGTAIL_WHATSAPP["APP_SECRET"]
    return secret[0] if isinstance(secret, (list, tuple)) else secret


def sign(body, secret=None):
    """``X-Hub-Signature-256`` for ``body`` (bytes) under ``secret`` (default: the test settings' app secret)."""
    return compute_signature(body, secret if secret is not None else test_app_secret())


class WebhookClient:
    """Posts to the webhook through Django's test client, signed unless told otherwise."""

    def __init__(self, client):
        self.client = client
        self.url = reverse("wagtail_whatsapp:webhook")

    def post_raw(self, body, *, signature=UNSET, secret=None, content_type="application/json"):
        if isinstance(body, str):
            body = body.encode()
        headers = {}
        if signature is UNSET:
            headers["HTTP_X_HUB_SIGNATURE_256"] = sign(body, secret)
        elif signature is not None:
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature
        return self.client.post(self.url, data=body, content_type=content_type, **headers)

    def post(self, payload, **kwargs):
        return self.post_raw(serialise(payload), **kwargs)

    def handshake(self, *, token, challenge="1158201444", mode="subscribe"):
        params = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge}
        return self.client.get(self.url, {key: value for key, value in params.items() if value is not None})
