"""The site's template family: the template for each page follows its media and event-ness; blank kinds are picked
among the synced templates; no page is refused for a template's header; the old single template is migrated."""

import pytest

from tests import media_files
from tests.broadcasting import news_page, subscribers
from tests.family_pages import event_page, five_kinds, wagtail_document, wagtail_image
from wagtail_whatsapp.models import MessageTemplate, WhatsAppSettings
from wagtail_whatsapp.outbound.plan import plan_broadcast
from wagtail_whatsapp.outbound.recommended_family import recommended_family
from wagtail_whatsapp.outbound.template_family import family

pytestmark = pytest.mark.django_db
HANDLES = {"IMAGE": "h1", "VIDEO": "h2", "DOCUMENT": "h3"}


def store(info, language="it", status="APPROVED", name=None):
    return MessageTemplate.objects.create(
        waba_id="102290129340398",
        name=name or info.name,
        language=language,
        category=info.category,
        status=status,
        parameter_format=info.parameter_format,
        components=info.components,
    )


def recommended(*names):
    return {
        t.name: store(t) for t in recommended_family("http://testserver", header_handles=HANDLES) if t.name in names
    }


def test_each_kind_of_page_gets_the_template_of_its_kind(site):
    stored = recommended(
        "comune_avviso", "comune_notizia_immagine", "comune_notizia_video", "comune_avviso_documento", "comune_evento"
    )
    subscribers(site, 3, in_window=0)
    for kind, page in five_kinds(site).items():
        plan = plan_broadcast(page)
        assert not plan.problems, (kind, plan.problems)
        assert (plan.template_kind, plan.template_chosen) == (kind, False)
        assert (
            plan.template
            == {
                "text": stored["comune_avviso"],
                "image": stored["comune_notizia_immagine"],
                "video": stored["comune_notizia_video"],
                "document": stored["comune_avviso_documento"],
                "event": stored["comune_evento"],
            }[kind]
        )


def test_a_text_notice_on_a_site_with_an_image_template_chosen_still_goes_with_the_text_template(site):
    stored = recommended("comune_avviso", "comune_notizia_immagine")
    settings = WhatsAppSettings.for_site(site)
    settings.image_template = stored["comune_notizia_immagine"]
    settings.save()
    subscribers(site, 2, in_window=0)
    plan = plan_broadcast(news_page(site, title="Allerta neve"))
    assert plan.template == stored["comune_avviso"] and not plan.problems
    image_plan = plan_broadcast(news_page(site, title="Con foto", image=wagtail_image()))
    assert (image_plan.template, image_plan.template_chosen) == (stored["comune_notizia_immagine"], True)


def test_a_chosen_template_wins_over_the_picked_one(site):
    stored = recommended("comune_avviso")
    other = store(recommended_family("http://testserver")[0], name="notizie_brevi")
    settings = WhatsAppSettings.for_site(site)
    settings.text_template = other
    settings.save()
    assert family(site)["text"].template == other and family(site)["text"].chosen
    settings.text_template = None
    settings.save()
    assert family(site)["text"].template == stored["comune_avviso"] and not family(site)["text"].chosen


def test_a_video_page_without_a_video_template_goes_with_the_text_and_says_so(site):
    stored = recommended("comune_avviso")
    subscribers(site, 2, in_window=1)
    video = wagtail_document("Parco", media_files.mp4(), "parco.mp4")
    plan = plan_broadcast(news_page(site, title="Video", video=video))
    assert plan.template == stored["comune_avviso"] and not plan.problems
    assert plan.media["type"] == "video"  # still goes to the citizen inside the window
    assert any("No approved template with a video header" in str(warning) for warning in plan.warnings)


def test_an_event_without_an_event_template_goes_with_the_text_template_carrying_its_date_and_place(site):
    stored = recommended("comune_avviso")
    subscribers(site, 1, in_window=0)
    plan = plan_broadcast(event_page(site))
    assert plan.template == stored["comune_avviso"] and not plan.problems
    (text,) = [item["text"] for item in plan.template_spec["body"] if item["name"] == "testo"]
    assert "📍 Piazza Municipio" in text and "🗓" in text


def test_templates_the_plugin_cannot_fill_or_not_approved_are_never_picked(site):
    info = recommended_family("http://testserver")[0]  # comune_avviso, the text template
    store(info, status="PENDING")
    MessageTemplate.objects.create(
        waba_id="102290129340398",
        name="codice_accesso",
        language="it",
        category="AUTHENTICATION",
        status="APPROVED",
        components=[{"type": "BODY", "text": "Il tuo codice è {{1}}"}],
    )
    MessageTemplate.objects.create(
        waba_id="102290129340398",
        name="ordine",
        language="it",
        category="UTILITY",
        status="APPROVED",
        parameter_format="NAMED",
        components=[{"type": "BODY", "text": "Ordine {{numero_ordine}} spedito"}],
    )
    assert family(site)["text"] is None


def test_the_sites_language_is_preferred(site):
    info = recommended_family("http://testserver")[0]  # comune_avviso, the text template
    italian = store(info, language="it")
    english = store(info, language="en")  # the test site's language is English
    assert family(site)["text"].template == english
    english.delete()
    assert family(site)["text"].template == italian


def test_the_settings_page_offers_one_template_per_kind(admin_client, site):
    html = admin_client.get(f"/admin/settings/wagtail_whatsapp/whatsappsettings/{site.pk}/").content.decode()
    for field in ("text_template", "image_template", "video_template", "document_template", "event_template"):
        assert f'name="{field}"' in html
    assert "broadcast_template" not in html


# serialized_rollback: the default site that Wagtail's migrations create, even after another transactional test
# flushed the database.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_old_broadcast_template_moves_into_the_family():
    """A site that was sending with one template keeps sending with it after the upgrade."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from wagtail.models import Site

    executor = MigrationExecutor(connection)
    executor.migrate([("wagtail_whatsapp", "0004_opted_out_numbers")])
    old_apps = executor.loader.project_state([("wagtail_whatsapp", "0004_opted_out_numbers")]).apps
    template_model = old_apps.get_model("wagtail_whatsapp", "MessageTemplate")
    settings_model = old_apps.get_model("wagtail_whatsapp", "WhatsAppSettings")
    image = template_model.objects.create(
        waba_id="1",
        name="notizia",
        language="it",
        status="APPROVED",
        components=[{"type": "HEADER", "format": "IMAGE"}],
    )
    text = template_model.objects.create(waba_id="1", name="avviso", language="it", status="APPROVED", components=[])
    site_ids = list(Site.objects.values_list("pk", flat=True))
    second = Site.objects.create(
        hostname="frazione.example", root_page_id=Site.objects.get(pk=site_ids[0]).root_page_id
    )
    settings_model.objects.create(site_id=site_ids[0], broadcast_template_id=image.pk)
    settings_model.objects.create(site_id=second.pk, broadcast_template_id=text.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    first_settings = WhatsAppSettings.objects.get(site_id=site_ids[0])
    second_settings = WhatsAppSettings.objects.get(site_id=second.pk)
    assert (first_settings.image_template_id, first_settings.text_template_id) == (image.pk, None)
    assert (second_settings.text_template_id, second_settings.image_template_id) == (text.pk, None)


def test_the_confirmation_page_says_which_template_and_that_the_plugin_picked_it(client, sender, site):
    recommended("comune_avviso")
    subscribers(site, 2, in_window=0)
    page = news_page(site, title="Allerta neve")
    client.force_login(sender)
    html = client.get(f"/admin/whatsapp/pages/{page.pk}/send/").content.decode()
    assert 'data-template-choice="picked"' in html and "picked by the plugin" in html
    assert "<strong data-template-name>comune_avviso</strong>" in html


def test_a_test_send_outside_the_window_uses_the_template_of_the_pages_kind(site, test_backend):
    from wagtail_whatsapp.outbound.broadcasts import send_test_message

    recommended("comune_avviso", "comune_notizia_immagine")
    send_test_message(news_page(site, title="Solo testo"), "+39 333 999 0001")
    send_test_message(news_page(site, title="Con foto", image=wagtail_image()), "+39 333 999 0001")
    text, image = test_backend.sent
    assert (text["type"], text["payload"]["name"]) == ("template", "comune_avviso")
    assert (image["type"], image["payload"]["name"]) == ("template", "comune_notizia_immagine")
    assert image["payload"]["components"][0]["parameters"][0]["type"] == "image"
