"""The webhook view: handshake, signature, size, JSON and envelope checks (issue 3)."""

import json

import pytest
from django.test import override_settings

from tests.signing import load_webhook, sign
from wagtail_whatsapp.models import InboundMessage, StatusUpdate

TEST_SETTINGS = {
    "BACKEND": "sandbox",
    "APP_SECRET": "test-app-secret",
    "VERIFY_TOKEN": "test-verify-token",
    "PHONE_NUMBER_ID": "106540352242922",
}


# --- GET: Meta's verification handshake ------------------------------------------------------------------------------
def test_handshake_echoes_the_challenge_as_plain_text(webhook, db):
    response = webhook.handshake(token="test-verify-token", challenge="1158201444")
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"token": "wrong-token"},
        {"token": ""},
        {"token": None},
        {"token": "test-verify-token", "mode": "unsubscribe"},
        {"token": "test-verify-token", "mode": None},
        {"token": "test-verify-token", "challenge": None},
        {"token": "tést-vérify-tøken"},
    ],
)
def test_handshake_refuses_anything_else(webhook, db, kwargs):
    response = webhook.handshake(**kwargs)
    assert response.status_code == 403
    assert b"1158201444" not in response.content


@override_settings(WAGTAIL_WHATSAPP={**TEST_SETTINGS, "VERIFY_TOKEN": ""})
def test_handshake_refused_when_no_verify_token_is_configured(webhook, db):
    assert webhook.handshake(token="").status_code == 403


def test_other_methods_are_not_allowed(client, db):
    assert client.put("/whatsapp/webhook/").status_code == 405


# --- POST: signature before anything else -----------------------------------------------------------------------------
def test_missing_signature_is_refused_and_nothing_is_stored(webhook, site):
    response = webhook.post(load_webhook("webhook_incoming_text"), signature=None)
    assert response.status_code == 403
    assert b"Missing" in response.content
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    "signature",
    ["sha256=" + "0" * 64, "sha1=abc", "sha256=", "garbage", "sha256=ZZZ", "SHA256=" + "a" * 64, "sha256=ü"],
)
def test_wrong_signature_is_refused_and_nothing_is_stored(webhook, site, signature):
    response = webhook.post(load_webhook("webhook_incoming_text"), signature=signature)
    assert response.status_code == 403
    assert b"Invalid" in response.content
    assert not InboundMessage.objects.exists()


def test_signature_with_another_secret_is_refused(webhook, site):
    response = webhook.post(load_webhook("webhook_incoming_text"), secret="someone-elses-secret")
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_signature_is_over_the_raw_bytes_not_the_reserialised_json(webhook, site):
    payload = load_webhook("webhook_incoming_text")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "Città è più bella"
    raw = json.dumps(payload, indent=2, ensure_ascii=True).encode()  # Meta's escaping, different spacing
    assert webhook.post_raw(raw, signature=sign(raw)).status_code == 200
    reserialised = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert webhook.post_raw(raw, signature=sign(reserialised)).status_code == 403
    assert InboundMessage.objects.get().text == "Città è più bella"


@pytest.mark.parametrize("configured", [["new-secret", "old-secret"], "new-secret,old-secret"])
def test_rotated_secrets_both_accepted_while_rotating(webhook, site, settings, configured):
    # The string form is what WHATSAPP_APP_SECRET=new,old gives a site's settings (docs/going-live.md, step 4).
    settings.WAGTAIL_WHATSAPP = {**TEST_SETTINGS, "APP_SECRET": configured}
    first = load_webhook("webhook_incoming_text")
    second = load_webhook("webhook_incoming_image")
    second["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.another"  # Meta's samples share one id
    assert webhook.post(first, secret="old-secret").status_code == 200
    assert webhook.post(second, secret="new-secret").status_code == 200
    assert InboundMessage.objects.count() == 2
    assert webhook.post(load_webhook("webhook_status_sent"), secret="test-app-secret").status_code == 403


@override_settings(WAGTAIL_WHATSAPP={**TEST_SETTINGS, "APP_SECRET": ""})
def test_no_secret_configured_refuses_everything(webhook, site):
    assert webhook.post(load_webhook("webhook_incoming_text"), secret="").status_code == 403
    assert not InboundMessage.objects.exists()


# --- POST: size, JSON, envelope --------------------------------------------------------------------------------------
def test_body_over_three_megabytes_is_413(webhook, site):
    payload = load_webhook("webhook_incoming_text")
    payload["padding"] = "x" * (3 * 1024 * 1024)
    response = webhook.post(payload)
    assert response.status_code == 413
    assert not InboundMessage.objects.exists()


def test_large_batch_under_the_limit_is_accepted(webhook, site):
    payload = load_webhook("webhook_status_sent")
    value = payload["entry"][0]["changes"][0]["value"]
    template = value["statuses"][0]
    value["statuses"] = [{**template, "id": f"wamid.{i}"} for i in range(1000)]  # Meta's maximum batch
    response = webhook.post(payload)
    assert response.status_code == 200
    assert StatusUpdate.objects.count() == 1000


@pytest.mark.parametrize(
    "body,reason",
    [
        (b"not json", b"not JSON"),
        (b"\xff\xfe\x00garbage", b"not JSON"),
        (b"[1, 2, 3]", b"not a JSON object"),
        (b'{"object": "page", "entry": []}', b"object"),
        (b'{"object": "whatsapp_business_account"}', b"entry"),
        (b'{"object": "whatsapp_business_account", "entry": {}}', b"entry"),
        (b'{"object": "whatsapp_business_account", "entry": [1, "x"]}', b"not an object"),
        (b"[" * 100000 + b"]" * 100000, b"not JSON"),
    ],
)
def test_bad_bodies_get_400_with_a_reason(webhook, site, body, reason):
    response = webhook.post_raw(body)
    assert response.status_code == 400
    assert reason in response.content


def test_empty_entry_list_is_acknowledged(webhook, site):
    assert webhook.post({"object": "whatsapp_business_account", "entry": []}).status_code == 200
