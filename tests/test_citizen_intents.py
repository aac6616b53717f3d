"""What citizens write is understood (issue 16): subscribe, unsubscribe or neither, in common Italian phrasings, with
typos and accents, and no false positives on ordinary messages. Keywords never reach the moderators' inbox."""

import pytest
from django.urls import reverse

from tests.signing import load_webhook
from wagtail_whatsapp.inbound import intents
from wagtail_whatsapp.models import ConsentRecord, InboundMessage, Reply, SandboxMessage, Subscriber
from wagtail_whatsapp.models.settings_defaults import DEFAULT_SUBSCRIBE_KEYWORDS, DEFAULT_UNSUBSCRIBE_KEYWORDS

SUB, UNSUB, NEITHER = intents.SUBSCRIBE, intents.UNSUBSCRIBE, None

PHRASINGS = [
    # The keywords, as citizens type them
    ("ISCRIVIMI", SUB),
    ("iscrivimi", SUB),
    (" Iscrivimi! ", SUB),
    ("ISCRÌVIMI.", SUB),
    ("Iscrivimi 🙂", SUB),
    ("ISCRIVIMIII", SUB),
    ("iscrivimi?", SUB),  # the keyword alone, whatever the punctuation
    ("Iscriviti", SUB),
    ("iscrizione", SUB),
    # Typos of the keyword (one edit)
    ("iscivimi", SUB),
    ("iscirvimi", SUB),
    ("iscrivimj", SUB),
    ("iiscrivimi", SUB),
    # Other forms and phrasings
    ("ISCRIVERMI", SUB),
    ("Iscrivimi per favore", SUB),
    ("Buongiorno, vorrei iscrivermi", SUB),
    ("buonasera vorrei iscrivermi al servizio", SUB),
    ("Iscrivetemi, grazie", SUB),
    ("Salve, voglio iscrivermi alle notizie del Comune", SUB),
    ("Potete iscrivermi? grazie", NEITHER),  # a question: the notice names the keyword
    ("Posso iscrivermi per favore", SUB),
    ("Buongiorno, sono Maria Rossi, vorrei iscrivermi", SUB),
    ("iscrivi il mio numero alla lista", SUB),
    ("Vorrei l'iscrizione al servizio WhatsApp", SUB),
    ("iscrivetemi a Esempio Informa", SUB),  # the service's own name
    ("ok iscrivimi", SUB),
    ("Aderisco", SUB),
    # Unsubscribing
    ("CANCELLAMI", UNSUB),
    ("cancellami.", UNSUB),
    ("CANCELLÀMI", UNSUB),
    ("Cancellatemi", UNSUB),
    ("cancellatemi per favore, grazie", UNSUB),
    ("Buongiorno, vorrei cancellarmi", UNSUB),
    ("cancelami", UNSUB),
    ("cancellmi", UNSUB),
    ("CANCELLLAMI!!!", UNSUB),
    ("Stop", UNSUB),
    ("STOP.", UNSUB),
    ("basta messaggi", UNSUB),
    ("Disiscrivimi", UNSUB),
    ("disiscrivermi dal servizio", UNSUB),
    ("toglietemi dalla lista", UNSUB),
    ("Rimuovetemi per favore", UNSUB),
    ("eliminatemi dalla lista", UNSUB),
    ("non voglio più ricevere messaggi", UNSUB),
    ("Non voglio ricevere più messaggi", UNSUB),
    ("Buongiorno, non desidero più ricevere notizie, grazie", UNSUB),
    ("non voglio più messaggi", UNSUB),
    ("non mandatemi più niente", UNSUB),
    ("Non scrivetemi più", UNSUB),
    ("non voglio essere iscritto", UNSUB),
    ("Non mi interessa più", UNSUB),
    ("annullate la mia iscrizione", UNSUB),
    ("cancellate la mia iscrizione", UNSUB),
    ("revoco il consenso", UNSUB),
    ("disattiva le notifiche", UNSUB),
    # Ordinary messages: neither
    ("come mi iscrivo alla mensa?", NEITHER),
    ("Come mi iscrivo", NEITHER),
    ("dove ci si iscrive per il centro estivo", NEITHER),
    ("quando aprono le iscrizioni?", NEITHER),
    ("iscrivimi alla mensa", NEITHER),
    ("vorrei iscrivere mio figlio al corso di nuoto", NEITHER),
    ("mi sono iscritto ieri ma non ricevo niente", NEITHER),
    ("non ricevo più messaggi", NEITHER),  # a complaint, not an opt-out
    ("non ho più ricevuto messaggi da una settimana", NEITHER),
    ("non iscrivermi", NEITHER),
    ("non voglio iscrivermi", NEITHER),
    ("vorrei cancellare la prenotazione", NEITHER),
    ("annullate l'evento di domani?", NEITHER),
    ("annullate l'evento", NEITHER),
    ("il cancello del cimitero è rotto", NEITHER),
    ("cancello", NEITHER),
    ("Candela", NEITHER),
    ("stop ai lavori in via Roma", NEITHER),
    ("bastardi", NEITHER),
    ("non scrivete parolacce", NEITHER),
    ("Grazie mille", NEITHER),
    ("buongiorno", NEITHER),
    ("ciao", NEITHER),
    ("ok", NEITHER),
    ("Scrivimi quando riapre la biblioteca", NEITHER),
    ("iscrivimi e cancellami", NEITHER),  # both: a person reads it
    ("", NEITHER),
    ("!!!", NEITHER),
    ("🙂", NEITHER),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS)
def test_phrasings_are_understood(text, expected):
    understood = intents.understand(
        text, DEFAULT_SUBSCRIBE_KEYWORDS, DEFAULT_UNSUBSCRIBE_KEYWORDS, service_name="Esempio Informa"
    )
    assert understood == expected


def test_the_table_covers_both_ways():
    counts = {intent: sum(1 for _text, expected in PHRASINGS if expected == intent) for intent in (SUB, UNSUB, None)}
    assert len(PHRASINGS) >= 60 and min(counts.values()) >= 20


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("iscrivimi", "iscrivimi", True),
        ("iscivimi", "iscrivimi", True),  # deletion
        ("iscrivimii", "iscrivimi", True),  # insertion
        ("iscrivimo", "iscrivimi", True),  # substitution
        ("iscirvimi", "iscrivimi", True),  # neighbours swapped
        ("iscrvimo", "iscrivimi", False),
        ("iscirvimo", "iscrivimi", False),
    ],
)
def test_one_edit(a, b, expected):
    assert intents.within_one_edit(a, b) is expected


def test_the_towns_keywords_keep_working_exactly():
    # Any word a town lists is a keyword, even one no rule knows; and its typos when long enough.
    assert intents.understand("Adesso!", "ADESSO", "FINE") == SUB
    assert intents.understand("adeso", "ADESSO", "FINE") == SUB
    assert intents.understand("fine.", "ADESSO", "FINE") == UNSUB
    assert intents.understand("finee", "ADESSO", "FINE") == UNSUB  # a repeated letter counts once
    assert intents.understand("fune", "ADESSO", "FINE") is None  # too short for a typo
    # The same word in both lists unsubscribes: honouring an opt-out is the safe side.
    assert intents.understand("ISCRIVIMI", "ISCRIVIMI", "ISCRIVIMI") == UNSUB


# --- through the webhook ------------------------------------------------------------------------------------------

CITIZEN = "+16505551234"  # the sender of Meta's sample payload
WEBHOOK_SAMPLES = [
    ("Buongiorno, vorrei iscrivermi", "active", ["subscribe"]),
    ("ISCRIVERMI", "active", ["subscribe"]),
    ("Iscrivimi per favore", "active", ["subscribe"]),
    ("iscivimi", "active", ["subscribe"]),
    ("come mi iscrivo alla mensa?", None, []),
    ("iscrivimi alla mensa", None, []),
]


def post_text(webhook, text, wamid, at=1749416383):
    payload = load_webhook("webhook_incoming_text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"], message["id"], message["timestamp"] = text, wamid, str(at)
    response = webhook.post(payload)
    assert response.status_code == 200, response.content


def answers():
    return [message.text for message in SandboxMessage.objects.filter(direction="out").order_by("pk")]


@pytest.mark.parametrize(("text", "status", "consents"), WEBHOOK_SAMPLES)
def test_phrasings_through_the_webhook(webhook, webhook_site_settings, text, status, consents):
    post_text(webhook, text, "wamid.one")
    subscriber = Subscriber.objects.filter(phone_number=CITIZEN).first()
    assert (subscriber.status if subscriber else None) == status
    assert list(ConsentRecord.objects.values_list("action", flat=True)) == consents
    assert list(ConsentRecord.objects.values_list("message_text", flat=True)) == ([text] if consents else [])


@pytest.mark.parametrize("text", ["Cancellatemi", "non voglio più ricevere messaggi", "CANCELLAMI"])
def test_unsubscribe_phrasings_through_the_webhook(webhook, webhook_site_settings, text):
    post_text(webhook, "ISCRIVIMI", "wamid.sub")
    post_text(webhook, text, "wamid.unsub", at=1749416400)
    assert Subscriber.objects.get().status == "unsubscribed"
    assert list(ConsentRecord.objects.values_list("action", flat=True).order_by("pk")) == ["subscribe", "unsubscribe"]


def test_a_question_gets_the_notice_which_names_the_keywords(webhook, webhook_site_settings):
    webhook_site_settings.notice_enabled = True
    webhook_site_settings.save()
    post_text(webhook, "come mi iscrivo alla mensa?", "wamid.q")
    assert not Subscriber.objects.exists() and not ConsentRecord.objects.exists()
    [notice] = answers()
    assert "non risponde" in notice and "ISCRIVIMI" in notice and "CANCELLAMI" in notice


def test_a_town_can_keep_to_its_keywords(webhook, webhook_site_settings):
    webhook_site_settings.understand_phrasings = False
    webhook_site_settings.save()
    post_text(webhook, "Buongiorno, vorrei iscrivermi", "wamid.1")
    assert not Subscriber.objects.exists()
    post_text(webhook, "Iscrivimi!", "wamid.2", at=1749416400)
    assert Subscriber.objects.get().status == "active"


# --- keywords are for the consent log, not for the moderators' inbox ----------------------------------------------

INBOX = "wagtail_whatsapp_inboundmessage_modeladmin_index"


def inbox_rows(client, whatsapp_user):
    client.force_login(whatsapp_user("moderate_inbox"))
    response = client.get(reverse(INBOX))
    assert response.status_code == 200
    return list(response.context["object_list"])


def test_keyword_messages_never_reach_the_inbox(client, webhook, webhook_site_settings, whatsapp_user):
    post_text(webhook, "ISCRIVIMI", "wamid.1")
    post_text(webhook, "vorrei cancellarmi", "wamid.2", at=1749416400)
    post_text(webhook, "ISCRIVIMI", "wamid.3", at=1749416500)
    post_text(webhook, "ISCRIVIMI", "wamid.4", at=1749416600)  # already subscribed
    assert inbox_rows(client, whatsapp_user) == []
    assert list(ConsentRecord.objects.order_by("pk").values_list("action", "message_wamid")) == [
        ("subscribe", "wamid.1"),
        ("unsubscribe", "wamid.2"),
        ("subscribe", "wamid.3"),
    ]
    assert not InboundMessage.objects.filter(flagged=True).exists()


def test_other_messages_do_reach_the_inbox(client, webhook, webhook_site_settings, whatsapp_user):
    post_text(webhook, "ISCRIVIMI", "wamid.1")
    post_text(webhook, "come mi iscrivo alla mensa?", "wamid.2", at=1749416400)
    assert [message.text for message in inbox_rows(client, whatsapp_user)] == ["come mi iscrivo alla mensa?"]


def test_a_keyword_is_out_of_the_inbox_before_the_worker_handles_it(webhook, webhook_site_settings, monkeypatch):
    # The queue is down: the message waits, stored, but is already marked as a keyword.
    from wagtail_whatsapp.inbound import tasks

    monkeypatch.setattr(tasks, "process_inbound_messages", lambda pks: None)
    post_text(webhook, "Iscrivetemi per favore", "wamid.waiting")
    waiting = InboundMessage.objects.get()
    assert waiting.processed_at is None and waiting.keyword_action == "subscribe"
    assert not InboundMessage.objects.for_moderation().exists()


# --- unsubscribing a number that is not subscribed ----------------------------------------------------------------


def test_cancellami_from_a_stranger_says_not_subscribed_and_logs_nothing(webhook, webhook_site_settings):
    post_text(webhook, "CANCELLAMI", "wamid.1")
    assert not Subscriber.objects.exists()
    assert not ConsentRecord.objects.exists()
    [answer] = answers()
    assert answer.startswith("Non risultavi iscritto") and "cancellato" not in answer
    assert Reply.objects.get().kind == Reply.Kind.NOT_SUBSCRIBED


def test_cancellami_after_leaving_says_not_subscribed_and_logs_nothing_more(webhook, webhook_site_settings):
    post_text(webhook, "ISCRIVIMI", "wamid.1")
    post_text(webhook, "CANCELLAMI", "wamid.2", at=1749416400)
    post_text(webhook, "non voglio più ricevere messaggi", "wamid.3", at=1749416500)
    assert list(ConsentRecord.objects.order_by("pk").values_list("action", flat=True)) == ["subscribe", "unsubscribe"]
    assert answers()[-1].startswith("Non risultavi iscritto")
    assert "cancellato" in answers()[-2]


def test_a_town_can_answer_nothing_to_a_stranger_unsubscribing(webhook, webhook_site_settings):
    webhook_site_settings.not_subscribed_message = ""
    webhook_site_settings.save()
    post_text(webhook, "CANCELLAMI", "wamid.1")
    assert answers() == []
    assert not Subscriber.objects.exists() and not ConsentRecord.objects.exists()


def test_sites_with_the_old_default_notice_get_the_one_naming_the_keywords(webhook_site_settings):
    import importlib

    from django.apps import apps

    from wagtail_whatsapp.models import WhatsAppSettings
    from wagtail_whatsapp.models.settings_defaults import DEFAULT_NOTICE

    migration = importlib.import_module("wagtail_whatsapp.migrations.0006_citizen_intents")
    assert migration.NEW_NOTICE == DEFAULT_NOTICE
    WhatsAppSettings.objects.update(notice_message=migration.OLD_NOTICE)
    migration.name_the_keywords_in_the_default_notice(apps, None)
    assert WhatsAppSettings.objects.get().notice_message == DEFAULT_NOTICE
    WhatsAppSettings.objects.update(notice_message="Il nostro avviso.")  # a town's own text is never touched
    migration.name_the_keywords_in_the_default_notice(apps, None)
    assert WhatsAppSettings.objects.get().notice_message == "Il nostro avviso."
