"""The broadcast-template check (W004): a cloud site without an approved template reaches almost nobody."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Site

from wagtail_whatsapp.checks import check_broadcast_templates
from wagtail_whatsapp.models import MessageTemplate, WhatsAppSettings

CLOUD = {"BACKEND": "cloud", "ACCESS_TOKEN": "token", "APP_SECRET": "secret", "VERIFY_TOKEN": "verify"}


def template(status, name="notizie"):
    return MessageTemplate.objects.create(
        waba_id="102290129340398", name=name, language="it", category="MARKETING", status=status
    )


@pytest.fixture
def cloud(settings):
    settings.WAGTAIL_WHATSAPP = CLOUD


def warned_sites(messages):
    assert {m.id for m in messages} <= {"wagtail_whatsapp.W004"}
    return [m.msg.split()[2] for m in messages]


def test_a_cloud_site_without_whatsapp_settings_is_warned_about(cloud, site):
    assert warned_sites(check_broadcast_templates()) == ["testserver:80"]


def test_a_template_still_pending_at_meta_does_not_count(cloud, site):
    whatsapp = WhatsAppSettings.for_site(site)
    whatsapp.text_template = template(MessageTemplate.Status.APPROVED)
    whatsapp.save()
    # Meta paused (or rejected) the template after it was chosen: the next sync changes its status.
    MessageTemplate.objects.update(status=MessageTemplate.Status.PAUSED)
    assert warned_sites(check_broadcast_templates()) == ["testserver:80"]


def test_only_the_site_without_an_approved_template_is_named(cloud, site):
    other = Site.objects.create(hostname="frazione.example", port=443, root_page=site.root_page)
    whatsapp = WhatsAppSettings.for_site(site)
    whatsapp.text_template = template(MessageTemplate.Status.APPROVED)
    whatsapp.save()
    # The other site sends from another account: the first site's template is not one it can pick.
    WhatsAppSettings.objects.create(site=other, waba_id="999999999")
    assert warned_sites(check_broadcast_templates()) == [f"{other.hostname}:443"]


def test_every_site_ready_means_no_warning(cloud, site):
    whatsapp = WhatsAppSettings.for_site(site)
    whatsapp.text_template = template(MessageTemplate.Status.APPROVED)
    whatsapp.save()
    assert check_broadcast_templates() == []


def test_an_approved_synced_template_the_plugin_can_pick_is_enough(cloud, site):
    """Settings → WhatsApp may leave the family blank: the plugin picks an approved synced template by itself."""
    template(MessageTemplate.Status.APPROVED)
    assert check_broadcast_templates() == []


def test_the_sandbox_needs_no_template(settings, site):
    settings.WAGTAIL_WHATSAPP = {**CLOUD, "BACKEND": "sandbox"}
    assert check_broadcast_templates() == []


def test_manage_py_check_shows_the_warning_with_its_hint(cloud, site):
    out = io.StringIO()
    # `--database default`, as the docs say: Django 6.1 runs database checks only for a named database.
    call_command("check", databases=["default"], stdout=out, stderr=out)
    text = out.getvalue()
    assert "(wagtail_whatsapp.W004) The site testserver:80 has no approved broadcast template" in text
    assert "whatsapp_sync_templates" in text
