"""Editors edit the pages like any other page, and the example site's demo content brings them along."""

import pytest
from django.core.management import call_command
from wagtail.models import Page, Revision

from tests.pages_helpers import configure
from wagtail_whatsapp.models import (
    WhatsAppArchivePage,
    WhatsAppPolicyPage,
    WhatsAppPrivacyPage,
    WhatsAppSettings,
    WhatsAppSubscribePage,
)

PAGE_MODELS = [WhatsAppPolicyPage, WhatsAppPrivacyPage, WhatsAppSubscribePage, WhatsAppArchivePage]


@pytest.mark.parametrize("model", PAGE_MODELS)
def test_the_page_editor_opens_for_each_page_type(site, admin_client, model):
    configure(site)
    call_command("whatsapp_setup")
    page = model.objects.get()

    response = admin_client.get(f"/admin/pages/{page.pk}/edit/")

    assert response.status_code == 200
    assert page.title in response.content.decode()


def test_the_settings_form_has_the_town_and_contacts(site, admin_client):
    response = admin_client.get(f"/admin/settings/wagtail_whatsapp/whatsappsettings/{site.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    for field in ["town_name", "contact_phone", "contact_email", "contact_pec", "contact_page_url", "dpo_contact"]:
        assert f'name="{field}"' in html, field


def test_demo_content_brings_the_pages_and_stays_idempotent(db):
    call_command("load_demo_content")
    pages = sorted(Page.objects.values_list("pk", "path", "latest_revision_id"))
    revisions = Revision.objects.count()

    call_command("load_demo_content")

    assert sorted(Page.objects.values_list("pk", "path", "latest_revision_id")) == pages
    assert Revision.objects.count() == revisions
    settings = WhatsAppSettings.objects.get()
    assert settings.policy_page.specific_class is WhatsAppPolicyPage
    assert settings.privacy_page.specific_class is WhatsAppPrivacyPage
    assert all(model.objects.live().count() == 1 for model in PAGE_MODELS)
    assert "+39 035 000 0000" in WhatsAppPolicyPage.objects.get().body


def test_editors_can_add_the_page_types_under_the_example_home_page(site, admin_client):
    response = admin_client.get(f"/admin/pages/{site.root_page_id}/add_subpage/")

    html = response.content.decode()
    for model in PAGE_MODELS:
        assert f"/admin/pages/add/wagtail_whatsapp/{model._meta.model_name}/{site.root_page_id}/" in html
