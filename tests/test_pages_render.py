from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.pages_helpers import WA_ME_LINK, configure, decode_qr_svg, qr_svg_from_html
from wagtail_whatsapp.models import (
    Broadcast,
    WhatsAppArchivePage,
    WhatsAppPolicyPage,
    WhatsAppPrivacyPage,
    WhatsAppSettings,
    WhatsAppSubscribePage,
)


@pytest.fixture
def town(site):
    configure(site)
    call_command("whatsapp_setup")
    return site


def get(client, wagtail_page, **params):
    response = client.get(wagtail_page.url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_subscribe_page_shows_the_number_as_text_and_tel_link_and_the_join_link(town, client):
    html = get(client, WhatsAppSubscribePage.objects.get())

    assert "+39 035 123 4567" in html
    assert 'href="tel:+390351234567"' in html
    assert f'href="{WA_ME_LINK}"' in html
    assert "CANCELLAMI" in html


def test_policy_and_privacy_links_come_before_the_join_button(town, client):
    html = get(client, WhatsAppSubscribePage.objects.get())

    join_at = html.index(f'href="{WA_ME_LINK}"')
    assert -1 < html.index(f'href="{WhatsAppPolicyPage.objects.get().url}"') < join_at
    assert -1 < html.index(f'href="{WhatsAppPrivacyPage.objects.get().url}"') < join_at


def test_the_qr_code_shown_decodes_to_the_join_link(town, client):
    html = get(client, WhatsAppSubscribePage.objects.get())

    assert decode_qr_svg(qr_svg_from_html(html)) == [WA_ME_LINK]


def test_the_join_link_uses_the_sites_first_subscribe_keyword(site, client):
    configure(site, subscribe_keywords="ADERISCO\nISCRIVIMI", display_number="+39 333 000 0000")
    call_command("whatsapp_setup")

    html = get(client, WhatsAppSubscribePage.objects.get())

    assert 'href="https://wa.me/393330000000?text=ADERISCO"' in html
    assert decode_qr_svg(qr_svg_from_html(html)) == ["https://wa.me/393330000000?text=ADERISCO"]


def test_a_keyword_list_written_with_commas_prefills_one_keyword(site, client):
    """The settings accept "ADERISCO, ISCRIVIMI": the link must prefill the one word, the same the replies name and
    the webhook understands, never the whole line (which would subscribe nobody)."""
    configure(site, subscribe_keywords="ADERISCO, ISCRIVIMI", display_number="+39 333 000 0000")
    call_command("whatsapp_setup")

    html = get(client, WhatsAppSubscribePage.objects.get())

    assert 'href="https://wa.me/393330000000?text=ADERISCO"' in html
    assert WhatsAppSettings.for_site(site).subscribe_keyword == "ADERISCO"


def test_a_number_changed_in_the_settings_shows_at_once(town, client):
    configure(town, display_number="+39 035 765 4321")

    html = get(client, WhatsAppSubscribePage.objects.get())

    assert "+39 035 765 4321" in html and "+39 035 123 4567" not in html


def test_without_a_number_the_page_says_so_instead_of_a_broken_link(site, client):
    call_command("whatsapp_setup")

    html = get(client, WhatsAppSubscribePage.objects.get())

    assert "wa.me" not in html and "data:image/svg" not in html
    assert "has not been published yet" in html


@pytest.mark.parametrize("model", [WhatsAppPolicyPage, WhatsAppPrivacyPage])
def test_policy_and_privacy_pages_show_summary_version_date_and_the_number(town, client, model):
    page = model.objects.get()

    html = get(client, page)

    assert "<h1>" + page.title in html
    assert "Version 1.0" in html
    # The summary comes first, before the full text.
    assert html.index(page.summary[:40]) < html.index(page.body[:40])
    assert 'lang="it"' in html  # the example site's base, which the plugin's base template yields to


def test_the_policy_renders_the_sites_number(town, client):
    assert "+39 035 123 4567" in get(client, WhatsAppPolicyPage.objects.get())


def test_pages_use_the_sites_base_template(town, client):
    html = get(client, WhatsAppPolicyPage.objects.get())
    assert 'href="#contenuto"' in html  # town/base.html's skip link


def make_broadcast(site, title, status=Broadcast.Status.DONE, days_ago=0, url=""):
    broadcast = Broadcast.objects.create(site=site, title=title, message=title, status=status, url=url)
    Broadcast.objects.filter(pk=broadcast.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return broadcast


def test_archive_lists_what_went_out_for_this_site_newest_first(town, client):
    make_broadcast(town, "Vecchia notizia", days_ago=3, url="http://testserver/notizie/vecchia/")
    make_broadcast(town, "In invio", status=Broadcast.Status.SENDING, days_ago=1)
    make_broadcast(town, "Annullata", status=Broadcast.Status.CANCELLED)
    make_broadcast(town, "In coda", status=Broadcast.Status.QUEUED)

    html = get(client, WhatsAppArchivePage.objects.get())

    assert html.index("In invio") < html.index("Vecchia notizia")
    assert 'href="http://testserver/notizie/vecchia/"' in html
    assert "Annullata" not in html and "In coda" not in html


def test_archive_is_paginated_and_survives_a_bad_page_number(town, client):
    archive = WhatsAppArchivePage.objects.get()
    archive.per_page = 2
    archive.save_revision().publish()
    for day in range(5):
        make_broadcast(town, f"Notizia {day}", days_ago=day)

    first, last = get(client, archive), get(client, archive, page=3)

    assert "Notizia 0" in first and "Notizia 2" not in first and "Page 1 of 3" in first
    assert "Notizia 4" in last and "Notizia 0" not in last
    assert "Page 1 of 3" in get(client, archive, page="abc")


def test_archive_rss_feed(town, client):
    make_broadcast(town, "Chiusura di via Roma", url="http://testserver/notizie/via-roma/")
    make_broadcast(town, "Mai partita", status=Broadcast.Status.FAILED)
    archive = WhatsAppArchivePage.objects.get()
    assert archive.feed_url() in get(client, archive)

    response = client.get(archive.feed_url())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    body = response.content.decode()
    assert "<title>Chiusura di via Roma</title>" in body
    assert "<link>http://testserver/notizie/via-roma/</link>" in body
    assert "Mai partita" not in body


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_plugins_own_base_template_stands_alone(town, rf, language):
    """Without a site override, the pages render on the plugin's minimal base, in the active language."""
    from pathlib import Path

    from django.template import Context, Engine
    from django.utils import translation

    import wagtail_whatsapp

    plugin_only = Engine(
        dirs=[Path(wagtail_whatsapp.__file__).parent / "templates"],
        libraries={
            "i18n": "django.templatetags.i18n",
            "wagtailcore_tags": "wagtail.templatetags.wagtailcore_tags",
            "whatsapp_pages": "wagtail_whatsapp.templatetags.whatsapp_pages",
        },
    )
    page = WhatsAppSubscribePage.objects.get()
    request = rf.get(page.url)

    with translation.override(language):
        html = plugin_only.get_template(page.get_template(request)).render(Context(page.get_context(request)))

    assert f'<html lang="{language}">' in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert f'href="{WA_ME_LINK}"' in html
    assert "protocollo@comune.esempio.it" in html  # the footer lists the town's other channels
    # and the service's pages, so that the archive, the policy and the privacy notice are one click away
    for other in (WhatsAppArchivePage.objects.get(), WhatsAppSettings.for_site(town).policy_page):
        assert f'href="{other.url}"' in html
