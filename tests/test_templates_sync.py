"""Templates: synced from the Graph API across pages, and kept current by Meta's webhooks."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.models import MessageTemplate
from wagtail_whatsapp.outbound.tasks import sync_templates_periodically
from wagtail_whatsapp.outbound.templates import apply_template_webhook, sync_templates
from wagtail_whatsapp.signals import change_received

FIXTURES = Path(__file__).parent / "fixtures" / "graph"
WABA = "102290129340398"

pytestmark = pytest.mark.django_db


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def stored():
    return {(t.name, t.language): t.status for t in MessageTemplate.objects.all()}


def test_sync_follows_every_page_and_stores_the_fields(fake_graph):
    fake_graph.template_page_size = 2
    result = sync_templates()
    assert (result.created, result.updated, result.deleted) == (3, 0, 0)
    assert stored() == {
        ("allerta_meteo", "it"): "APPROVED",
        ("evento", "it"): "PENDING",
        ("notizia_comune", "it"): "APPROVED",
    }
    news = MessageTemplate.objects.get(name="notizia_comune")
    assert (news.waba_id, news.template_id, news.category, news.parameter_format) == (
        WABA,
        "1387372356726668",
        "MARKETING",
        "NAMED",
    )
    assert news.components[0] == {"type": "HEADER", "format": "IMAGE"}
    assert len([r for r in fake_graph.requests if r.path.endswith("/message_templates")]) == 2


def test_sync_again_updates_and_marks_templates_gone_from_meta(fake_graph):
    sync_templates()
    fake_graph.templates = [dict(fake_graph.templates[0], status="PAUSED"), fake_graph.templates[1]]
    result = sync_templates()
    assert (result.created, result.updated, result.deleted) == (0, 2, 1)
    assert stored() == {
        ("allerta_meteo", "it"): "APPROVED",
        ("evento", "it"): "DELETED",
        ("notizia_comune", "it"): "PAUSED",
    }
    assert sync_templates().deleted == 0  # already marked


def test_a_failed_sync_changes_nothing(fake_graph):
    sync_templates()
    fake_graph.token_fails_after = 0
    fake_graph.templates = []
    with pytest.raises(WhatsAppError, match="190"):
        sync_templates()
    assert "DELETED" not in stored().values()


def test_command(fake_graph, capsys):
    call_command("whatsapp_sync_templates")
    assert "3 new, 0 updated, 0 marked deleted" in capsys.readouterr().out
    fake_graph.token_fails_after = 0
    with pytest.raises(CommandError, match="could not be read"):
        call_command("whatsapp_sync_templates", "--waba-id", "42")


def test_periodic_task(fake_graph):
    result = sync_templates_periodically.call_local()
    assert result.created == 3 and len(stored()) == 3


def test_periodic_task_survives_an_api_failure(fake_graph):
    fake_graph.token_fails_after = 0
    assert sync_templates_periodically.call_local() is None


# Webhooks, through the signal the webhook sends


@pytest.fixture
def templates(fake_graph):
    sync_templates()
    return MessageTemplate.objects.all()


def send(field, value, **kwargs):
    return change_received.send(sender=None, field=field, value=value, site=None, **kwargs)


def test_status_update_webhook(templates):
    MessageTemplate.objects.filter(name="notizia_comune").update(status="PENDING")
    send("message_template_status_update", fixture("webhook_value_template_status_approved.json"))
    assert MessageTemplate.objects.get(name="notizia_comune").status == "APPROVED"


def test_rejected_with_a_reason_is_shown(templates):
    value = {
        "event": "REJECTED",
        "message_template_id": 1137051647947973,
        "message_template_name": "evento",
        "message_template_language": "it",
        "reason": "INVALID_FORMAT",
    }
    send("message_template_status_update", value)
    template = MessageTemplate.objects.get(name="evento")
    assert (template.status, template.status_reason) == ("REJECTED", "INVALID_FORMAT")


def test_paused_reinstated_and_flagged(templates):
    base = {"message_template_name": "allerta_meteo", "message_template_language": "it", "reason": "NONE"}
    paused = {**base, "event": "PAUSED", "other_info": {"title": "FIRST_PAUSE", "description": "Low quality"}}
    send("message_template_status_update", paused)
    template = MessageTemplate.objects.get(name="allerta_meteo")
    assert (template.status, template.status_reason) == ("PAUSED", "Low quality")
    send("message_template_status_update", {**base, "event": "REINSTATED"})
    assert MessageTemplate.objects.get(name="allerta_meteo").status == "APPROVED"
    send("message_template_status_update", {**base, "event": "FLAGGED"})
    template = MessageTemplate.objects.get(name="allerta_meteo")
    assert template.status == "APPROVED" and template.status_reason.startswith("Flagged")


def test_category_update_webhook(templates):
    send("template_category_update", fixture("webhook_value_template_category_update.json"))
    assert MessageTemplate.objects.get(name="allerta_meteo").category == "MARKETING"


def test_quality_update_webhook(templates):
    value = {
        "previous_quality_score": "GREEN",
        "new_quality_score": "RED",
        "message_template_id": 1387372356726668,
        "message_template_name": "notizia_comune",
        "message_template_language": "it",
    }
    send("message_template_quality_update", value)
    assert MessageTemplate.objects.get(name="notizia_comune").quality_score == "RED"


def test_other_fields_and_unknown_templates_change_nothing(templates):
    before = stored()
    assert apply_template_webhook("account_update", {"event": "DISABLED"}) == 0
    unknown = {"event": "APPROVED", "message_template_name": "nuovo", "message_template_language": "it"}
    assert apply_template_webhook("message_template_status_update", unknown) == 0
    assert apply_template_webhook("message_template_status_update", "not a dict") == 0
    assert stored() == before


def test_the_waba_id_narrows_the_match(templates):
    value = {**fixture("webhook_value_template_status_approved.json"), "event": "DISABLED"}
    assert apply_template_webhook("message_template_status_update", value, waba_id="other") == 0
    assert apply_template_webhook("message_template_status_update", value, waba_id=WABA) == 1
