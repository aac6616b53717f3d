"""A citizen finds the WhatsApp pages from any page of the site: the footer links the subscribe page, the archive, the
policy and the privacy notice (the `whatsapp_service_links` tag, in the example site's base and the plugin's own)."""

import io
import re

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory
from wagtail.models import Site

from wagtail_whatsapp.models import WhatsAppArchivePage, WhatsAppSettings, WhatsAppSubscribePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_content", stdout=io.StringIO())
    return Site.objects.get(is_default_site=True)


def footer_links(html):
    footer = re.search(r"<footer.*?</footer>", html, re.S).group(0)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', footer)


def service_pages(site):
    settings = WhatsAppSettings.for_site(site)
    subscribe = WhatsAppSubscribePage.objects.get()
    archive = WhatsAppArchivePage.objects.get()
    return [subscribe, archive, settings.policy_page, settings.privacy_page]


def test_every_page_of_the_town_links_the_whatsapp_pages_in_its_footer(demo, client):
    expected = [(page.url, page.title) for page in service_pages(demo)]
    assert len(expected) == 4
    for url in ["/", "/notizie/", expected[0][0], expected[2][0]]:
        response = client.get(url, HTTP_HOST="127.0.0.1:8000")
        assert response.status_code == 200, url
        links = footer_links(response.content.decode())
        assert [link for link in links if link in expected] == expected, url


def test_the_current_page_is_marked_and_an_unpublished_page_is_not_linked(demo, client):
    subscribe, archive, _policy, _privacy = service_pages(demo)
    archive.unpublish()
    html = client.get(subscribe.url, HTTP_HOST="127.0.0.1:8000").content.decode()
    assert f'<a href="{subscribe.url}" aria-current="page">' in html
    assert archive.url not in [url for url, _title in footer_links(html)]


def test_a_site_without_whatsapp_pages_shows_no_empty_menu(site):
    request = RequestFactory().get("/", HTTP_HOST=site.hostname)
    html = Template("{% load whatsapp_pages %}{% whatsapp_service_links %}").render(Context({"request": request}))
    assert html.strip() == ""
