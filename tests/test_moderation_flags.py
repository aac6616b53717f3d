"""Automatic moderation flags (service.md §9): they fire on forbidden messages and stay quiet on ordinary ones."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.whatsapp_data import make_message
from wagtail_whatsapp import signals
from wagtail_whatsapp.inbound.moderation import find_flags, flag_message
from wagtail_whatsapp.models import InboundMessage, WhatsAppSettings
from wagtail_whatsapp.models.settings_defaults import (
    DEFAULT_FUNDRAISING_WORDS,
    DEFAULT_OFFENSIVE_WORDS,
    DEFAULT_PROMOTION_WORDS,
)

FIXTURES = Path(__file__).parent / "fixtures" / "moderation"
FORBIDDEN = json.loads((FIXTURES / "forbidden.json").read_text())["messages"]
ORDINARY = json.loads((FIXTURES / "ordinary.json").read_text())["messages"]
RULES = {
    "allowed_domains": ["comune.esempio.it"],
    "own_numbers": ["+390351234567"],
    "offensive_words": DEFAULT_OFFENSIVE_WORDS.splitlines(),
    "promotion_words": DEFAULT_PROMOTION_WORDS.splitlines(),
    "fundraising_words": DEFAULT_FUNDRAISING_WORDS.splitlines(),
}
POLICY_CATEGORIES = {
    "illegal activities",
    "offensive or vulgar language",
    "defamation or threats",
    "other people's personal data",
    "attacks on people or groups",
    "spam or off-topic links",
    "promoting products, services or political organisations",
    "copyright or trademarks",
    "raising funds",
}


def test_the_forbidden_set_covers_every_category_of_the_policy():
    assert {item["policy"] for item in FORBIDDEN} == POLICY_CATEGORIES


@pytest.mark.parametrize("item", FORBIDDEN, ids=[item["text"][:40] for item in FORBIDDEN])
def test_forbidden_message_is_flagged_with_its_category(item):
    flags = find_flags(item["text"], **RULES)
    assert item["flag"] in {flag.category for flag in flags}, flags
    assert all(flag.reason for flag in flags)


@pytest.mark.parametrize("text", ORDINARY, ids=[text[:40] for text in ORDINARY])
def test_ordinary_message_is_not_flagged(text):
    assert find_flags(text, **RULES) == []


def test_reason_names_what_was_found():
    [flag] = find_flags("Vaffanculo", **RULES)
    assert "vaffanculo" in flag.reason


def test_third_party_number_is_masked_in_the_reason():
    [flag] = find_flags("chiamate il 347 123 4567", **RULES)
    assert "4567" not in flag.reason and "567" in flag.reason


def test_senders_own_number_and_the_towns_number_are_not_third_parties():
    assert find_flags("il mio numero è 347 123 4567", **{**RULES, "own_numbers": ["+393471234567"]}) == []
    assert find_flags("ho chiamato lo 035 123 4567", **RULES) == []


def test_repeated_message_is_a_flood():
    assert find_flags("ciao", recent_texts=["Ciao", "ciao!"], **RULES)[0].category == "flood"
    assert find_flags("ciao", recent_texts=["ciao"], **RULES) == []
    many = [f"messaggio {i}" for i in range(10)]
    assert find_flags("ancora", recent_texts=many, **RULES)[0].category == "flood"


@pytest.mark.django_db
def test_flags_are_stored_when_the_webhook_announces_a_message(site):
    message = make_message(site, "Vendo iPhone rubati, www.affaroni.com")
    signals.message_received.send(sender=InboundMessage, message=message, site=site, subscriber=None)
    message.refresh_from_db()
    assert message.flagged
    assert {flag["category"] for flag in message.flags} == {"link", "promotion"}
    assert "www.affaroni.com" in message.flag_reasons


@pytest.mark.django_db
def test_keyword_messages_are_not_moderated(site):
    message = make_message(site, "ISCRIVIMI vendo", keyword_action=InboundMessage.Action.SUBSCRIBE)
    signals.message_received.send(sender=InboundMessage, message=message, site=site, subscriber=None)
    message.refresh_from_db()
    assert not message.flagged


@pytest.mark.django_db
def test_word_lists_and_allowed_domains_come_from_site_settings(site):
    wa_settings = WhatsAppSettings.for_site(site)
    wa_settings.moderation_offensive_words = "polentone"
    wa_settings.moderation_allowed_domains = "prolocoesempio.it"
    wa_settings.save()
    assert flag_message(make_message(site, "sei un polentone"))[0].category == "offensive"
    assert flag_message(make_message(site, "che cazzo")) == []  # the default list was replaced
    assert flag_message(make_message(site, "programma su https://prolocoesempio.it/sagra")) == []
    assert flag_message(make_message(site, "https://testserver/news/ letto")) == []  # the site's own domain


@pytest.mark.django_db
def test_flood_is_detected_from_stored_messages_of_the_same_sender(site):
    sent_at = make_message(site, "x").sent_at
    for minutes in (3, 2):
        make_message(site, "Rispondete!!", sent_at=sent_at - timedelta(minutes=minutes))
    make_message(site, "Rispondete!!", number="+393331112222", sent_at=sent_at)
    message = make_message(site, "rispondete", sent_at=sent_at)
    assert [flag.category for flag in flag_message(message)] == ["flood"]
