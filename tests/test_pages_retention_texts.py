"""The default policy and privacy texts say everything the plugin keeps, for as long as the site's settings keep it
(issue 16): the messages citizens write anyway (read by moderators), delivery data, the consent log, the hashes that
outlive erasure, reports."""

import pytest
from django.core.management import call_command
from django.utils.html import strip_tags

from tests.pages_helpers import configure
from wagtail_whatsapp.models import WhatsAppPolicyPage, WhatsAppPrivacyPage, WhatsAppSettings
from wagtail_whatsapp.pages import default_texts


@pytest.fixture
def town(site):
    configure(site)
    return site


def plain(html):
    return " ".join(strip_tags(html).split())


def texts(settings):
    policy, privacy = default_texts.policy_page(settings), default_texts.privacy_page(settings)
    return plain(policy["body"]), plain(privacy["body"]), privacy["summary"]


def test_the_privacy_notice_names_everything_the_plugin_keeps(town):
    _policy, privacy, summary = texts(WhatsAppSettings.for_site(town))
    for point in [
        "identificativo utente WhatsApp",  # subscribers
        "il nome del tuo profilo WhatsApp",
        "registro dei consensi",  # the consent log
        "il personale del Comune incaricato li legge",  # messages sent anyway, read by moderators
        "compresi quelli di iscrizione e cancellazione, e le note del personale che li ha esaminati: 30 giorni",
        "lo stato di consegna e di lettura",  # delivery data
        "e le risposte automatiche: 90 giorni",
        "un codice cifrato ricavato dal tuo numero",  # opted-out and blocked hashes
        "mantenere il blocco",
        "segnalato, con il numero che lo ha inviato",  # reports
    ]:
        assert point in privacy, point
    assert "letti dal personale del Comune e cancellati dopo 30 giorni" in summary


def test_the_policy_says_messages_are_read_and_kept(town):
    policy, _privacy, _summary = texts(WhatsAppSettings.for_site(town))
    assert "sono conservati per 30 giorni e letti dal personale del Comune" in policy


def test_changing_a_retention_setting_changes_the_texts(town):
    wa_settings = WhatsAppSettings.for_site(town)
    before = texts(wa_settings)
    wa_settings.inbox_retention_days, wa_settings.delivery_retention_days = 1, 365
    wa_settings.save()
    policy, privacy, summary = texts(wa_settings)
    assert (policy, privacy, summary) != before
    assert "conservati per 1 giorno e letti" in policy
    assert "esaminati: 1 giorno, poi sono cancellati" in privacy
    assert "risposte automatiche: 365 giorni" in privacy
    assert "30 giorni" not in privacy + policy + summary and "90 giorni" not in privacy


def test_a_site_that_keeps_no_profile_names_does_not_claim_to(town, settings):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "STORE_PROFILE_NAMES": False}
    _policy, privacy, summary = texts(WhatsAppSettings.for_site(town))
    assert "nome del tuo profilo" not in privacy + summary
    assert "Il numero e lo stato dell'iscrizione" in privacy


def test_whatsapp_setup_publishes_the_sites_values(client, town):
    wa_settings = WhatsAppSettings.for_site(town)
    wa_settings.inbox_retention_days, wa_settings.delivery_retention_days = 14, 60
    wa_settings.save()
    call_command("whatsapp_setup")
    privacy = client.get(WhatsAppPrivacyPage.objects.get().url)
    policy = client.get(WhatsAppPolicyPage.objects.get().url)
    assert privacy.status_code == policy.status_code == 200
    assert "esaminati: 14 giorni" in plain(privacy.content.decode())
    assert "risposte automatiche: 60 giorni" in plain(privacy.content.decode())
    assert "conservati per 14 giorni" in plain(policy.content.decode())
