"""``evidence.txt`` in the report bundle is for a police officer or Meta's reviewer (issue 16): written in the site's
language, with the site's local time and its zone, and no empty "()" when the citizen's profile has no name."""

import io
import zipfile
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.whatsapp_data import make_message
from wagtail_whatsapp.inbound.evidence import local_time
from wagtail_whatsapp.inbound.moderation import flag_message

pytestmark = pytest.mark.django_db

WINTER = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 8, 30, tzinfo=UTC)


@pytest.fixture
def italian_site(settings):
    settings.LANGUAGE_CODE = "it"
    settings.TIME_ZONE = "Europe/Rome"


def evidence_text(client, message, reason=""):
    client.post(reverse("wagtail_whatsapp_admin:inbox_report", args=[message.pk]), {"reason": reason})
    response = client.get(reverse("wagtail_whatsapp_admin:inbox_evidence"), {"id": message.pk})
    return zipfile.ZipFile(io.BytesIO(response.content)).read("evidence.txt").decode()


def test_evidence_text_is_in_italian_with_local_time(client, whatsapp_user, site, italian_site, test_backend):
    client.force_login(whatsapp_user("moderate_inbox"))
    message = make_message(site, "Sei un ladro, guarda www.truffa.com", sent_at=SUMMER, profile_name="Mario")
    flag_message(message)
    text = evidence_text(client, message, reason="minacce al sindaco")
    lines = text.splitlines()
    assert lines[0] == "Messaggio WhatsApp segnalato"
    assert "Mittente: +39 348 ••• •511 (nome sul profilo WhatsApp: Mario)" in lines
    # 08:30 UTC in July is 10:30 in Rome: the clock the town reads, named, with its offset.
    assert "Inviato: 15/07/2026 10:30 CEST (UTC+02:00)" in lines
    assert "Tipo: Testo" in lines
    assert any(line.startswith("Messo in evidenza dal controllo automatico: ") for line in lines)
    assert lines[lines.index("Testo:") + 1] == "Sei un ladro, guarda www.truffa.com"
    assert any(line.startswith("Segnalato da staff1 il ") and line.endswith("(UTC+01:00)") for line in lines)
    assert "Motivo: minacce al sindaco" in lines
    assert "Il numero del mittente è oscurato" in text
    for english in ("Sent at", "Sender:", "Reported by", "Reason:", "Type:", "+00:00"):
        assert english not in text


def test_no_empty_parentheses_when_the_profile_has_no_name(client, whatsapp_user, site, italian_site, test_backend):
    client.force_login(whatsapp_user("moderate_inbox", "manage_subscribers"))
    message = make_message(site, "Buongiorno", sent_at=WINTER, profile_name="")
    text = evidence_text(client, message)
    assert "Mittente: +393481234511\n" in text
    assert "()" not in text
    assert "Inviato: 15/01/2026 09:30 CET (UTC+01:00)" in text
    assert "Motivo: non indicato" in text
    assert f"ID del messaggio WhatsApp: {message.wamid}" in text  # the full number, and Meta's id, for a manager


def test_local_time_names_the_zone_of_the_site(settings):
    settings.TIME_ZONE = "America/New_York"
    assert local_time(WINTER).endswith("3:30 a.m. EST (UTC-05:00)")  # in the language active (tests: English)
