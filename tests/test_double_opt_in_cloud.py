"""The double opt-in's question over HTTP: the cloud backend's reply-buttons message as the fake Graph API (which
checks it as Meta does) receives it, end to end from the citizen's signed ISCRIVIMI to the welcome after their "SÌ"."""

import time

import pytest
import requests

from tests.signing import load_webhook
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import ReplyButton
from wagtail_whatsapp.inbound.replies import CONFIRM_BUTTON
from wagtail_whatsapp.models import Reply, Subscriber
from wagtail_whatsapp.sandbox.simulate import text_message_payload

pytestmark = pytest.mark.django_db

NUMBER_ID = "106540352242922"
CITIZEN = "+393481234511"


@pytest.fixture
def backend(fake_graph):
    backend = get_backend()
    yield backend
    backend.close()


def test_send_buttons_posts_metas_interactive_button_message(backend, fake_graph):
    buttons = [ReplyButton("yes", "SÌ"), ReplyButton("no", "No")]
    result = backend.send_buttons(CITIZEN, "Confermi?", buttons, footer="Comune di Esempio", callback_data="r:1")
    assert result.wamid.startswith("wamid.")
    assert fake_graph.requests[-1].json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CITIZEN,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Confermi?"},
            "footer": {"text": "Comune di Esempio"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "yes", "title": "SÌ"}},
                    {"type": "reply", "reply": {"id": "no", "title": "No"}},
                ]
            },
        },
        "biz_opaque_callback_data": "r:1",
    }


@pytest.mark.parametrize(
    "body, buttons",
    [
        ("", [ReplyButton("yes", "SÌ")]),
        ("x" * 1025, [ReplyButton("yes", "SÌ")]),
        ("Confermi?", [ReplyButton("yes", "Sì, confermo l'iscrizione")]),  # 25 characters: Meta allows 20
        ("Confermi?", [ReplyButton(str(n), str(n)) for n in range(4)]),
        ("Confermi?", [ReplyButton("same", "SÌ"), ReplyButton("same", "No")]),
    ],
)
def test_what_meta_would_refuse_is_refused_before_the_call(backend, fake_graph, body, buttons):
    with pytest.raises(ValueError):
        backend.send_buttons(CITIZEN, body, buttons)
    assert not fake_graph.requests


def test_the_fake_checks_reply_buttons_as_meta_does(fake_graph):
    """So that the shape above is worth something: the fake refuses what Meta refuses."""
    interactive = {
        "type": "button",
        "body": {"text": "Confermi?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "x" * 21}}]},
    }
    body = {"messaging_product": "whatsapp", "to": CITIZEN, "type": "interactive", "interactive": interactive}
    answer = requests.post(
        f"{fake_graph.url}/v25.0/{NUMBER_ID}/messages",
        json=body,
        headers={"Authorization": f"Bearer {fake_graph.token}"},
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 131009
    assert not fake_graph.accepted


def test_iscrivimi_then_the_button_over_the_cloud_backend(webhook, webhook_site_settings, fake_graph):
    webhook_site_settings.double_opt_in = True
    webhook_site_settings.save()
    now = int(time.time())
    payload = text_message_payload(CITIZEN, "ISCRIVIMI", phone_number_id=NUMBER_ID, timestamp=now - 60)
    assert webhook.post(payload).status_code == 200

    [question] = fake_graph.accepted
    assert question.body["type"] == "interactive" and question.body["to"] == "393481234511"
    assert question.body["interactive"]["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": CONFIRM_BUTTON.id, "title": "SÌ"}}
    ]
    assert question.body["biz_opaque_callback_data"] == Reply.objects.get().callback_data
    assert Reply.objects.get().status == Reply.Status.SENT
    assert not Subscriber.objects.exists()

    reply = load_webhook("webhook_incoming_interactive_button_reply")
    reply["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(now)
    assert webhook.post(reply).status_code == 200

    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    welcome = fake_graph.accepted[-1].body
    assert welcome["type"] == "text" and welcome["text"]["body"].startswith("Benvenuto")
