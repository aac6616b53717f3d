"""Topics and places, the citizen's side (issue 17): "ISCRIVIMI EVENTI" subscribes and chooses, "ARGOMENTI" gets
WhatsApp's interactive list, a row picked in it (Meta's ``list_reply``) adds or removes the choice with a short
confirmation, each change is in the consent log and the GDPR export. End to end through the signed webhook and the
sandbox backend; the list's shape against the fake Graph API in tests/test_topics_cloud.py."""

import time

import pytest

from tests.topics import add_topics, list_reply
from wagtail_whatsapp.inbound.topic_choices import ROW_PREFIX
from wagtail_whatsapp.models import ConsentRecord, InboundMessage, Reply, SandboxMessage, Subscriber, Topic
from wagtail_whatsapp.sandbox.simulate import text_message_payload
from wagtail_whatsapp.subscribers.gdpr import export_number

pytestmark = pytest.mark.django_db

NUMBER_ID = "106540352242922"
CITIZEN = "+393481234511"  # the number of the list-reply fixture
T0 = int(time.time()) - 3600  # inside the 24-hour window


def write(webhook, text, *, at, wamid=None):
    payload = text_message_payload(CITIZEN, text, phone_number_id=NUMBER_ID, timestamp=T0 + at, wamid=wamid)
    assert webhook.post(payload).status_code == 200


def pick(webhook, topic, *, at, wamid=None):
    assert webhook.post(list_reply(topic, at=T0 + at, wamid=wamid)).status_code == 200


def outbox():
    return list(SandboxMessage.objects.filter(direction="out", recipient=CITIZEN).order_by("pk"))


@pytest.fixture
def topics(webhook_site_settings):
    eventi, viabilita = add_topics(webhook_site_settings, "Eventi", "Viabilità")
    [sellere] = add_topics(webhook_site_settings, "Sellere", kind=Topic.Kind.PLACE)
    return eventi, viabilita, sellere


def chosen():
    return sorted(Subscriber.objects.get().topics.values_list("name", flat=True))


def test_iscrivimi_with_a_topic_subscribes_and_chooses_it(webhook, topics):
    write(webhook, "Iscrivimi eventi", at=0)

    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert chosen() == ["Eventi"]
    assert list(ConsentRecord.objects.order_by("pk").values_list("action", flat=True)) == ["subscribe", "topics"]
    assert ConsentRecord.objects.get(action="topics").get_action_display() == "Chose topics and places"
    # Not a question for the inbox: the rules of intents.py alone would have left it there.
    assert not InboundMessage.objects.for_moderation().exists()
    # The welcome tells how to choose more.
    [welcome] = outbox()
    assert welcome.text.endswith("Vuoi solo alcune notizie? Scrivi ARGOMENTI e scegli argomenti e frazioni.")


def test_iscrivimi_with_a_hamlet_and_a_topic_from_a_subscriber_adds_them_and_confirms(webhook, topics):
    write(webhook, "ISCRIVIMI", at=0)
    write(webhook, "ISCRIVIMI SELLERE e viabilita", at=60)

    assert chosen() == ["Sellere", "Viabilità"]
    assert outbox()[-1].text == "Ricevi le notizie su: Viabilità, Sellere. Per cambiare scrivi ARGOMENTI."
    assert Reply.objects.filter(kind=Reply.Kind.TOPICS_CHOSEN).count() == 1


def test_a_topic_whose_name_has_an_e_in_it_is_one_topic(webhook, webhook_site_settings):
    add_topics(webhook_site_settings, "Scuola e sport", "Scuola")
    write(webhook, "Iscrivimi scuola e sport", at=0)
    assert chosen() == ["Scuola e sport"]


def test_iscrivimi_with_an_unknown_word_is_still_for_the_inbox(webhook, topics):
    write(webhook, "ISCRIVIMI MENSA", at=0)
    assert not Subscriber.objects.exists()
    assert InboundMessage.objects.for_moderation().count() == 1


def test_argomenti_answers_with_the_interactive_list(webhook, topics):
    eventi, viabilita, sellere = topics
    write(webhook, "ISCRIVIMI", at=0)
    write(webhook, "argomenti", at=60)

    listing = outbox()[-1]
    assert listing.message_type == "interactive"
    interactive = listing.body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Scegli"
    assert interactive["action"]["sections"] == [
        {
            "title": "Argomenti",
            "rows": [
                {"id": f"{ROW_PREFIX}{eventi.pk}", "title": "Eventi"},
                {"id": f"{ROW_PREFIX}{viabilita.pk}", "title": "Viabilità"},
            ],
        },
        {"title": "Frazioni", "rows": [{"id": f"{ROW_PREFIX}{sellere.pk}", "title": "Sellere"}]},
    ]
    assert Reply.objects.get(message__text="argomenti").kind == Reply.Kind.TOPICS_LIST
    assert not InboundMessage.objects.for_moderation().exists()


def test_argomenti_from_someone_not_subscribed_is_a_message_like_any_other(webhook, topics):
    write(webhook, "ARGOMENTI", at=0)
    assert not outbox()
    assert InboundMessage.objects.for_moderation().count() == 1


def test_argomenti_on_a_site_without_topics_is_a_message_like_any_other(webhook, webhook_site_settings):
    write(webhook, "ISCRIVIMI", at=0)
    write(webhook, "ARGOMENTI", at=60)
    assert len(outbox()) == 1  # the welcome only
    assert "ARGOMENTI" not in outbox()[0].text
    assert InboundMessage.objects.for_moderation().count() == 1


def test_a_list_reply_toggles_the_choice_and_confirms_in_italian(webhook, topics):
    eventi, _viabilita, sellere = topics
    write(webhook, "ISCRIVIMI", at=0)
    pick(webhook, eventi, at=60, wamid="wamid.pick1")
    assert chosen() == ["Eventi"]
    assert outbox()[-1].text == "Ricevi le notizie su: Eventi. Per cambiare scrivi ARGOMENTI."

    pick(webhook, sellere, at=120, wamid="wamid.pick2")
    assert chosen() == ["Eventi", "Sellere"]

    pick(webhook, eventi, at=180, wamid="wamid.pick3")  # picked again: taken away
    pick(webhook, sellere, at=240, wamid="wamid.pick4")
    assert chosen() == []
    assert outbox()[-1].text == (
        "Non hai scelto argomenti né frazioni: ricevi tutte le notizie. Per scegliere scrivi ARGOMENTI."
    )
    notes = list(ConsentRecord.objects.filter(action="topics").order_by("pk").values_list("note", flat=True))
    assert notes == [
        "Topics and places: Eventi",
        "Topics and places: Eventi, Sellere",
        "Topics and places: Sellere",
        "Topics and places: -",
    ]
    assert not InboundMessage.objects.for_moderation().exists()


def test_the_same_list_reply_delivered_twice_changes_the_choice_once(webhook, topics):
    eventi = topics[0]
    write(webhook, "ISCRIVIMI", at=0)
    pick(webhook, eventi, at=60, wamid="wamid.pick1")
    pick(webhook, eventi, at=60, wamid="wamid.pick1")
    assert chosen() == ["Eventi"]
    assert ConsentRecord.objects.filter(action="topics").count() == 1


def test_a_list_reply_for_another_sites_topic_or_a_deleted_one_changes_nothing(webhook, topics):
    eventi = topics[0]
    write(webhook, "ISCRIVIMI", at=0)
    eventi.delete()
    pick(webhook, eventi, at=60)
    assert chosen() == []
    assert not ConsentRecord.objects.filter(action="topics").exists()


def test_the_gdpr_export_includes_the_choices(webhook, topics):
    write(webhook, "ISCRIVIMI EVENTI", at=0)
    export = export_number(topics[0].settings.site, CITIZEN)
    assert export["subscribers"][0]["topics_and_places"] == [{"name": "Eventi", "kind": "topic"}]
    assert "topics" in [record["action"] for record in export["consent_log"]]


def test_the_sandbox_chat_shows_the_list_and_picking_a_row_sends_metas_list_reply(admin_client, topics):
    from django.urls import reverse

    eventi = topics[0]
    chat = reverse("wagtail_whatsapp_admin:sandbox_chat")
    form = {"number": CITIZEN, "text": "ISCRIVIMI", "site": eventi.settings.site.pk}
    admin_client.post(chat, form)
    page = admin_client.get(admin_client.post(chat, {**form, "text": "ARGOMENTI"})["Location"]).content.decode()
    assert f'name="button" value="{ROW_PREFIX}{eventi.pk}"' in page
    listing = SandboxMessage.objects.get(direction="out", message_type="interactive")
    assert admin_client.post(chat, {"tap": listing.pk, "button": f"{ROW_PREFIX}{eventi.pk}"}).status_code == 302
    picked = InboundMessage.objects.get(message_type="interactive")
    assert picked.payload["interactive"] == {
        "type": "list_reply",
        "list_reply": {"id": f"{ROW_PREFIX}{eventi.pk}", "title": "Eventi"},
    }
    assert chosen() == ["Eventi"]
