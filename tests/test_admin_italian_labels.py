"""Meta's codes and the plugin's records in the Italian admin, through the test client (the browser walk of every page
is tests/test_admin_browser_italian.py): template statuses and categories, message types, sandbox statuses, the number
columns' heading, the broadcast list's link, the GDPR button, and what an erasure writes down (issue 16)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import ModelLogEntry

from tests.whatsapp_data import make_broadcast, make_message, make_subscriber
from wagtail_whatsapp.models import ConsentRecord, Delivery, MessageTemplate, Reply, SandboxMessage
from wagtail_whatsapp.subscribers import gdpr

pytestmark = pytest.mark.django_db


def italian(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 200, (url, response.status_code)
    # The text a person reads: scripts, tags and attributes dropped.
    html = re.sub(r"<script\b.*?</script>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_template_statuses_and_categories_are_words(admin_client):
    for status, category in [("APPROVED", "MARKETING"), ("PAUSED", "UTILITY"), ("REJECTED", "AUTHENTICATION")]:
        MessageTemplate.objects.create(
            waba_id="1", name=f"avviso_{status.lower()}", language="it", status=status, category=category
        )
    MessageTemplate.objects.create(waba_id="1", name="nuovo_stato", language="it", status="SOMETHING_NEW")
    text = italian(admin_client, reverse("wagtail_whatsapp_messagetemplate_modeladmin_index"))
    for words in ("Approvato", "In pausa", "Rifiutato", "Marketing", "Servizio", "Autenticazione"):
        assert words in text
    for code in ("APPROVED", "PAUSED", "REJECTED", "MARKETING", "UTILITY", "AUTHENTICATION"):
        assert code not in text
    assert "SOMETHING_NEW" in text  # a status Meta adds later is shown as it came, not lost


def test_message_types_and_number_columns_are_italian(admin_client, site):
    subscriber = make_subscriber(site)
    make_message(site, "", subscriber=subscriber, message_type="image", media_id="m1")
    Reply.objects.create(site=site, subscriber=subscriber, kind=Reply.Kind.WELCOME)
    inbox = italian(admin_client, reverse("wagtail_whatsapp_inboundmessage_modeladmin_index"))
    assert "[Immagine]" in inbox and not re.search(r"\bimage\b", inbox)
    for url in ("subscriber", "consentrecord", "reply"):
        text = italian(admin_client, reverse(f"wagtail_whatsapp_{url}_modeladmin_index"))
        assert "Numero" in text and "Full number" not in text and "Masked number" not in text, url


def test_the_broadcast_list_links_a_resoconto_and_the_gdpr_page_elimina_i_dati(admin_client, site):
    make_broadcast(site, [make_subscriber(site)], [Delivery.Status.READ])
    broadcasts = italian(admin_client, reverse("wagtail_whatsapp_broadcast_modeladmin_index"))
    assert "Resoconto" in broadcasts and "Segnala" not in broadcasts
    gdpr_page = italian(admin_client, reverse("wagtail_whatsapp_admin:gdpr"))
    assert "Elimina i dati" in gdpr_page


def test_the_sandbox_says_letto_and_consegnato(admin_client):
    for status in ("read", "delivered"):
        SandboxMessage.objects.create(
            recipient="+393339876543", wamid=f"wamid.{status}", message_type="text", body={}, status=status
        )
    text = italian(admin_client, reverse("wagtail_whatsapp_admin:sandbox_chat") + "?number=%2B393339876543")
    assert "letto" in text and "consegnato" in text
    assert not re.search(r"\b(read|delivered)\b", text)


def test_an_erasure_is_written_down_in_the_sites_language(site, settings, admin_user):
    settings.LANGUAGE_CODE = "it"
    subscriber = make_subscriber(site)
    with translation.override("en"):  # whoever erases, in whatever language their admin is
        gdpr.erase_number(site, subscriber.phone_number, user=admin_user)
    note = ConsentRecord.objects.get(action=ConsentRecord.Action.ERASE, subscriber=None, phone_number="").note
    assert note.startswith("Dati personali cancellati su richiesta (art. 17 GDPR).")
    labels = set(ModelLogEntry.objects.filter(action="wagtail_whatsapp.erase").values_list("label", flat=True))
    assert labels == {"dati cancellati"}
