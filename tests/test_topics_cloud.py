"""The topics' interactive list over HTTP: the cloud backend's list message as the fake Graph API (which checks it as
Meta does) receives it, end to end from the subscriber's signed ARGOMENTI to their list reply and its confirmation."""

import time

import pytest
import requests

from tests.topics import add_topics, list_reply
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import ListRow, ListSection
from wagtail_whatsapp.inbound.topic_choices import ROW_PREFIX
from wagtail_whatsapp.models import Reply, Subscriber, Topic
from wagtail_whatsapp.sandbox.simulate import text_message_payload

pytestmark = pytest.mark.django_db

NUMBER_ID = "106540352242922"
CITIZEN = "+393481234511"


@pytest.fixture
def backend(fake_graph):
    backend = get_backend()
    yield backend
    backend.close()


def test_send_list_posts_metas_interactive_list_message(backend, fake_graph):
    sections = [
        ListSection("Argomenti", (ListRow("t:1", "Eventi"), ListRow("t:2", "Viabilità", "Strade chiuse"))),
        ListSection("Frazioni", (ListRow("t:3", "Sellere"),)),
    ]
    result = backend.send_list(CITIZEN, "Scegli", "Apri", sections, footer="Comune di Esempio", callback_data="r:1")
    assert result.wamid.startswith("wamid.")
    assert fake_graph.requests[-1].json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CITIZEN,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Scegli"},
            "footer": {"text": "Comune di Esempio"},
            "action": {
                "button": "Apri",
                "sections": [
                    {
                        "title": "Argomenti",
                        "rows": [
                            {"id": "t:1", "title": "Eventi"},
                            {"id": "t:2", "title": "Viabilità", "description": "Strade chiuse"},
                        ],
                    },
                    {"title": "Frazioni", "rows": [{"id": "t:3", "title": "Sellere"}]},
                ],
            },
        },
        "biz_opaque_callback_data": "r:1",
    }


ROW = ListRow("t:1", "Eventi")


@pytest.mark.parametrize(
    "body, button, sections",
    [
        ("", "Apri", [ListSection("", (ROW,))]),
        ("Scegli", "Apri l'elenco degli argomenti", [ListSection("", (ROW,))]),  # 29 characters: Meta allows 20
        ("Scegli", "Apri", [ListSection("", tuple(ListRow(f"t:{n}", str(n)) for n in range(11)))]),
        ("Scegli", "Apri", [ListSection("", (ListRow("t:1", "Un nome di frazione troppo lungo"),))]),
        ("Scegli", "Apri", [ListSection("", (ROW,)), ListSection("Frazioni", (ListRow("t:2", "Sellere"),))]),
        ("Scegli", "Apri", [ListSection("", (ROW, ROW))]),
        ("Scegli", "Apri", []),
    ],
)
def test_what_meta_would_refuse_is_refused_before_the_call(backend, fake_graph, body, button, sections):
    with pytest.raises(ValueError):
        backend.send_list(CITIZEN, body, button, sections)
    assert not fake_graph.requests


def test_the_fake_checks_list_messages_as_meta_does(fake_graph):
    """So that the shape above is worth something: the fake refuses what Meta refuses (eleven rows)."""
    rows = [{"id": f"t:{n}", "title": str(n)} for n in range(11)]
    interactive = {
        "type": "list",
        "body": {"text": "Scegli"},
        "action": {"button": "Apri", "sections": [{"rows": rows}]},
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


def test_argomenti_then_a_row_over_the_cloud_backend(webhook, webhook_site_settings, fake_graph):
    [eventi] = add_topics(webhook_site_settings, "Eventi")
    [sellere] = add_topics(webhook_site_settings, "Sellere", kind=Topic.Kind.PLACE)
    now = int(time.time())
    for offset, text in ((-120, "ISCRIVIMI"), (-60, "ARGOMENTI")):
        payload = text_message_payload(CITIZEN, text, phone_number_id=NUMBER_ID, timestamp=now + offset)
        assert webhook.post(payload).status_code == 200

    listing = fake_graph.accepted[-1].body
    assert listing["type"] == "interactive" and listing["interactive"]["type"] == "list"
    assert [row["id"] for section in listing["interactive"]["action"]["sections"] for row in section["rows"]] == [
        f"{ROW_PREFIX}{eventi.pk}",
        f"{ROW_PREFIX}{sellere.pk}",
    ]
    assert Reply.objects.get(kind=Reply.Kind.TOPICS_LIST).status == Reply.Status.SENT

    assert webhook.post(list_reply(sellere, at=now)).status_code == 200
    assert list(Subscriber.objects.get().topics.all()) == [sellere]
    confirmation = fake_graph.accepted[-1].body
    assert confirmation["text"]["body"] == "Ricevi le notizie su: Sellere. Per cambiare scrivi ARGOMENTI."
