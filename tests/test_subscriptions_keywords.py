"""ISCRIVIMI / CANCELLAMI end to end: subscribers, consent log, replies (issue 3)."""

import datetime

import pytest
from django.test import override_settings
from wagtail.models import Page

from wagtail_whatsapp.inbound import keywords, replies
from wagtail_whatsapp.models import ConsentRecord, InboundMessage, SandboxMessage, Subscriber
from wagtail_whatsapp.models.consent import AppendOnlyError
from wagtail_whatsapp.sandbox.simulate import text_message_payload

NUMBER_ID = "106540352242922"
CITIZEN = "+393331234567"
T0 = 1_780_000_000  # a fixed "now" for message timestamps


def write(webhook, text, *, at=T0, number=CITIZEN, wamid=None):
    payload = text_message_payload(number, text, phone_number_id=NUMBER_ID, timestamp=at, wamid=wamid)
    response = webhook.post(payload)
    assert response.status_code == 200, response.content
    return response


def answers(number=CITIZEN):
    return [message.text for message in SandboxMessage.objects.filter(direction="out", recipient=number)]


# --- matching -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["ISCRIVIMI", "iscrivimi", " Iscrivimi! ", "ISCRÌVIMI.", "¡iscrivimi!!", "\tIscriviti\n", "iscrizione 🙂"]
)
def test_subscribe_variants_match(text):
    assert keywords.match(text, "ISCRIVIMI\nISCRIVITI\nISCRIZIONE", "CANCELLAMI\nSTOP") == keywords.SUBSCRIBE


@pytest.mark.parametrize("text", ["cancellami", "Stop.", " CANCELLÀMI ", "disiscrivimi!"])
def test_unsubscribe_variants_match(text):
    assert keywords.match(text, "ISCRIVIMI", "CANCELLAMI\nCANCELLA\nDISISCRIVIMI\nSTOP") == keywords.UNSUBSCRIBE


@pytest.mark.parametrize(
    "text", ["iscrivimi per favore", "non iscrivimi", "ISCRIVIMIII", "stop ai lavori", "", "   ", "!!!"]
)
def test_sentences_and_noise_do_not_match(text):
    assert keywords.match(text, "ISCRIVIMI", "CANCELLAMI\nSTOP") is None


def test_town_keywords_and_synonyms_are_used(webhook, webhook_site_settings):
    webhook_site_settings.subscribe_keywords = "ADERISCO\nVoglio iscrivermi"
    webhook_site_settings.understand_phrasings = False  # the town's keywords only (tests/test_citizen_intents.py)
    webhook_site_settings.save()
    write(webhook, "ISCRIVIMI")  # no longer a keyword for this town
    assert not Subscriber.objects.exists()
    write(webhook, "  voglio   ISCRIVERMI! ", wamid="wamid.2")
    assert Subscriber.objects.get().status == "active"


# --- subscribe ----------------------------------------------------------------------------------------------------
def test_iscrivimi_subscribes_logs_consent_and_welcomes_with_links(webhook, webhook_site_settings):
    home = webhook_site_settings.site.root_page
    policy = home.add_child(instance=Page(title="Regole del servizio", slug="regole"))
    privacy = home.add_child(instance=Page(title="Informativa privacy", slug="privacy"))
    policy.save_revision().publish()
    privacy.save_revision().publish()
    webhook_site_settings.policy_page, webhook_site_settings.privacy_page = policy, privacy
    webhook_site_settings.save()

    write(webhook, " Iscrivimi! ", wamid="wamid.sub1")

    subscriber = Subscriber.objects.get()
    assert (subscriber.phone_number, subscriber.status, subscriber.source) == (CITIZEN, "active", "whatsapp")
    assert subscriber.subscribed_at == datetime.datetime.fromtimestamp(T0, tz=datetime.UTC)
    assert subscriber.last_inbound_at == subscriber.subscribed_at  # from the message's own timestamp
    consent = ConsentRecord.objects.get()
    assert (consent.action, consent.phone_number, consent.message_wamid, consent.message_text) == (
        "subscribe",
        CITIZEN,
        "wamid.sub1",
        " Iscrivimi! ",
    )
    assert consent.policy_revision == Page.objects.get(pk=policy.pk).live_revision
    assert consent.privacy_revision == Page.objects.get(pk=privacy.pk).live_revision
    [welcome] = answers()
    assert "Esempio Informa" in welcome
    assert "http://testserver/regole/" in welcome and "http://testserver/privacy/" in welcome
    assert "CANCELLAMI" in welcome
    assert InboundMessage.objects.get().keyword_action == "subscribe"


def test_consent_revisions_are_null_without_policy_pages(webhook, webhook_site_settings):
    write(webhook, "ISCRIVIMI")
    consent = ConsentRecord.objects.get()
    assert consent.policy_revision is None and consent.privacy_revision is None
    assert answers()  # the welcome still goes out, with empty links


def test_consent_rows_cannot_be_changed_or_deleted(webhook, webhook_site_settings):
    write(webhook, "ISCRIVIMI")
    consent = ConsentRecord.objects.get()
    consent.message_text = "forged"
    with pytest.raises(AppendOnlyError):
        consent.save()
    with pytest.raises(AppendOnlyError):
        consent.delete()
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.all().delete()


def test_already_subscribed_gets_one_short_answer_a_day(webhook, webhook_site_settings):
    write(webhook, "ISCRIVIMI", wamid="wamid.1")
    write(webhook, "ISCRIVIMI", at=T0 + 60, wamid="wamid.2")
    write(webhook, "iscrivimi", at=T0 + 3600, wamid="wamid.3")
    assert len(answers()) == 2 and "già iscritto" in answers()[1]
    write(webhook, "ISCRIVIMI", at=T0 + 86400 + 60, wamid="wamid.4")
    assert len(answers()) == 3
    assert ConsentRecord.objects.count() == 1


# --- unsubscribe --------------------------------------------------------------------------------------------------
def test_cancellami_unsubscribes_at_once_and_says_goodbye(webhook, webhook_site_settings):
    write(webhook, "ISCRIVIMI", wamid="wamid.1")
    write(webhook, "cancellami.", at=T0 + 10, wamid="wamid.2")
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "unsubscribed"
    assert subscriber.unsubscribed_at == datetime.datetime.fromtimestamp(T0 + 10, tz=datetime.UTC)
    assert list(ConsentRecord.objects.order_by("pk").values_list("action", "message_wamid")) == [
        ("subscribe", "wamid.1"),
        ("unsubscribe", "wamid.2"),
    ]
    assert "cancellato" in answers()[-1]


def test_resubscribing_reactivates_the_same_row(webhook, webhook_site_settings):
    write(webhook, "ISCRIVIMI", wamid="wamid.1")
    write(webhook, "STOP", at=T0 + 10, wamid="wamid.2")
    write(webhook, "ISCRIVIMI", at=T0 + 20, wamid="wamid.3")
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "active" and subscriber.unsubscribed_at is None
    assert ConsentRecord.objects.count() == 3


# --- blocked, other messages, notice ------------------------------------------------------------------------------
def test_blocked_number_gets_nothing_and_cannot_resubscribe(webhook, webhook_site_settings):
    Subscriber.objects.create(site=webhook_site_settings.site, phone_number=CITIZEN, status="blocked")
    for index, text in enumerate(["ISCRIVIMI", "CANCELLAMI", "ciao"]):
        write(webhook, text, at=T0 + index, wamid=f"wamid.{index}")
    assert Subscriber.objects.get().status == "blocked"
    assert answers() == []
    assert not ConsentRecord.objects.exists()
    assert InboundMessage.objects.count() == 3  # still kept for moderation


def test_blocked_number_erased_under_gdpr_still_cannot_resubscribe(webhook, webhook_site_settings):
    from wagtail_whatsapp.subscribers.gdpr import erase_number

    Subscriber.objects.create(site=webhook_site_settings.site, phone_number=CITIZEN, status="blocked")
    erase_number(webhook_site_settings.site, CITIZEN)
    assert not Subscriber.objects.exists()  # only a hash of the number is left
    write(webhook, "ISCRIVIMI", wamid="wamid.after-erase")
    assert not Subscriber.objects.exists()
    assert answers() == []
    assert list(ConsentRecord.objects.values_list("action", flat=True)) == ["erase"]


def test_other_messages_are_stored_and_not_answered(webhook, webhook_site_settings):
    write(webhook, "come mi iscrivo alla mensa?")
    assert InboundMessage.objects.get().keyword_action == ""
    assert not Subscriber.objects.exists()
    assert answers() == []


def test_notice_at_most_once_every_n_days(webhook, webhook_site_settings):
    webhook_site_settings.notice_enabled = True
    webhook_site_settings.notice_interval_days = 7
    webhook_site_settings.save()
    day = 86400
    write(webhook, "ISCRIVIMI", wamid="wamid.0")  # subscriber: the notice is remembered on the row
    for index, at in enumerate([T0 + 60, T0 + 2 * day, T0 + 8 * day]):
        write(webhook, "grazie!", at=at, wamid=f"wamid.s{index}")
    notices = [text for text in answers() if "non risponde" in text and "Benvenuto" not in text]
    assert len(notices) == 2
    stranger = "+393470000000"
    for index, at in enumerate([T0, T0 + day, T0 + 3 * day]):
        write(webhook, "buongiorno", number=stranger, at=at, wamid=f"wamid.x{index}")
    assert len(answers(stranger)) == 1
    assert not Subscriber.objects.filter(phone_number=stranger).exists()  # no row created for a stranger


def test_notice_is_off_by_default(webhook, webhook_site_settings):
    write(webhook, "ciao")
    assert answers() == []


# --- texts --------------------------------------------------------------------------------------------------------
def test_a_typo_in_a_text_does_not_crash_the_worker(webhook, webhook_site_settings):
    webhook_site_settings.welcome_message = "Benvenuto in {service_name}! {foo} {0} {policy_url.__class__} {"
    webhook_site_settings.save()
    write(webhook, "ISCRIVIMI")
    assert answers() == ["Benvenuto in Esempio Informa! {foo} {0} {policy_url.__class__} {"]


def test_fill_leaves_unknown_placeholders():
    assert replies.fill("{a} {b} {{c}}", {"a": "1"}) == "1 {b} {{c}}"


@override_settings(
    WAGTAIL_WHATSAPP={"BACKEND": "sandbox", "APP_SECRET": "test-app-secret", "PHONE_NUMBER_ID": NUMBER_ID}
)
def test_replies_use_the_sites_phone_number_id(webhook, webhook_site_settings):
    write(webhook, "ISCRIVIMI")
    assert SandboxMessage.objects.get(direction="out").phone_number_id == NUMBER_ID
