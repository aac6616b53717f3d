"""The confirmation view: preview, counts, template, repeat warning, blocking problems, test send, confirm."""

import pytest
from django.urls import reverse

from tests.broadcast_admin import approved_template, make_news_page, make_subscribers
from wagtail_whatsapp.models import Broadcast, SandboxMessage

pytestmark = pytest.mark.django_db


def confirm_url(page):
    return reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[page.pk])


def test_url_is_under_admin_whatsapp(news_page):
    assert confirm_url(news_page) == f"/admin/whatsapp/pages/{news_page.pk}/send/"


@pytest.fixture
def ready(site, broadcast_engine):
    """Three subscribers outside the 24-hour window, two inside it, and an approved template."""
    make_subscribers(site, outside_window=3, inside_window=2)
    return approved_template(site)


def test_shows_the_message_counts_and_template(client, sender, news_page, ready):
    client.force_login(sender)
    response = client.get(confirm_url(news_page))
    assert response.status_code == 200
    html = response.content.decode()
    # The preview renders WhatsApp's *bold* title and a visible link to the page.
    assert "<strong>Chiusura di via Roma</strong>" in html
    assert f'<a href="{news_page.full_url}"' in html
    assert "Lavori in corso da lunedì." in html
    assert 'data-recipients="5"' in html and "<strong>5</strong> subscribers will receive this page" in html
    assert 'data-template-count="3"' in html
    assert 'data-freeform-count="2"' in html
    assert "notizia_comune" in html
    assert "Send to 5 subscribers now" in html
    assert "already sent" not in html
    assert "data-problems" not in html


def test_shows_the_template_version_filled_with_the_page(client, sender, news_page, ready):
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    preview = html[html.index("data-template-preview") :]
    assert "Novità dal Comune: <strong>Chiusura di via Roma</strong><br>Lavori in corso da lunedì." in preview
    assert "Scrivi CANCELLAMI" in preview
    # The URL button: the template's base URL completed with the page's path.
    assert f'<a href="{news_page.full_url}" target="_blank" rel="noopener noreferrer">Leggi</a>' in preview


def test_no_template_version_when_everyone_wrote_lately(client, sender, site, news_page, broadcast_engine):
    make_subscribers(site, outside_window=0, inside_window=2)
    approved_template(site)
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    assert "data-template-preview" not in html
    assert 'data-freeform-count="2"' in html


def test_shows_the_image_in_the_bubble(client, sender, site, ready):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    image = Image.objects.create(title="Cantiere", file=get_test_image_file())
    page = make_news_page(site, title="Con foto", image=image)
    client.force_login(sender)
    html = client.get(confirm_url(page)).content.decode()
    bubble = html[html.index("data-whatsapp-preview") :]
    assert "<img" in bubble[: bubble.index("ww-bubble__text")]


def test_blocking_problems_disable_the_button_and_say_why(client, sender, site, news_page, broadcast_engine):
    make_subscribers(site, outside_window=2, inside_window=0)  # outside the window and no template
    client.force_login(sender)
    response = client.get(confirm_url(news_page))
    html = response.content.decode()
    assert "This page cannot be sent yet" in html
    assert "the site has no approved template for this page" in html
    assert 'class="button bicolor button--icon" disabled>' in " ".join(html.split())
    # Posting anyway does not start anything.
    response = client.post(confirm_url(news_page))
    assert response.status_code == 400
    assert not Broadcast.objects.exists()


def test_confirm_starts_the_broadcast_and_opens_the_report(client, sender, news_page, ready):
    client.force_login(sender)
    response = client.post(confirm_url(news_page))
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtail_whatsapp_admin:broadcast_report", args=[broadcast.pk])
    assert broadcast.page_id == news_page.pk
    assert broadcast.revision_id == news_page.live_revision_id
    assert broadcast.created_by == sender
    assert broadcast.recipients_count == 5


def test_confirm_needs_post(client, sender, news_page, ready):
    client.force_login(sender)
    client.get(confirm_url(news_page))
    assert not Broadcast.objects.exists()


def test_confirm_is_csrf_protected(sender, news_page, ready):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(sender)
    assert client.post(confirm_url(news_page)).status_code == 403
    assert not Broadcast.objects.exists()


def test_a_repeat_is_warned_about_and_needs_the_tick(client, sender, news_page, ready):
    client.force_login(sender)
    client.post(confirm_url(news_page))
    assert Broadcast.objects.count() == 1

    html = client.get(confirm_url(news_page)).content.decode()
    assert html.count("This page was already sent via WhatsApp.") == 1
    assert "This page was already sent on" not in html  # said once, in the block with the earlier broadcasts
    assert reverse("wagtail_whatsapp_admin:broadcast_report", args=[Broadcast.objects.get().pk]) in html
    assert 'name="confirm_repeat"' in html

    response = client.post(confirm_url(news_page))
    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    assert Broadcast.objects.count() == 1

    response = client.post(confirm_url(news_page), {"confirm_repeat": "on"})
    assert response.status_code == 302
    assert Broadcast.objects.count() == 2


def test_test_send_to_a_good_number(client, sender, news_page, ready, broadcast_engine):
    client.force_login(sender)
    url = reverse("wagtail_whatsapp_admin:broadcast_test_send", args=[news_page.pk])
    response = client.post(url, {"number": "348 123 4567"}, follow=True)
    assert response.redirect_chain[-1][0] == confirm_url(news_page)
    assert "Test message sent to 348 123 4567" in response.content.decode()
    # Not a subscriber, so outside the 24-hour window: the test goes out as the template, like for most citizens.
    message = SandboxMessage.objects.get()
    assert (message.recipient, message.message_type) == ("+393481234567", "template")
    assert message.body["template"]["name"] == "notizia_comune"
    assert not Broadcast.objects.exists()  # a test is not a broadcast


def test_test_send_to_a_bad_number_is_a_form_error(client, sender, news_page, ready, broadcast_engine):
    client.force_login(sender)
    url = reverse("wagtail_whatsapp_admin:broadcast_test_send", args=[news_page.pk])
    response = client.post(url, {"number": "12ab"})
    assert response.status_code == 200
    assert "is not a valid phone number" in response.content.decode()
    assert not SandboxMessage.objects.exists()

    response = client.post(url, {"number": ""})
    assert "This field is required." in response.content.decode()


def test_test_send_when_whatsapp_refuses(client, sender, news_page, ready, test_backend):
    from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError

    refusal = WhatsAppError("Recipient phone number not in allowed list", kind=ErrorKind.RECIPIENT, code=131030)
    test_backend.faults["393481234567"] = [refusal]
    client.force_login(sender)
    url = reverse("wagtail_whatsapp_admin:broadcast_test_send", args=[news_page.pk])
    response = client.post(url, {"number": "348 123 4567"})
    assert response.status_code == 200
    assert "WhatsApp did not accept the test message: #131030 Recipient phone number not in allowed list" in (
        response.content.decode()
    )
    assert test_backend.sent == []


def test_test_send_only_by_post(client, sender, news_page, ready):
    client.force_login(sender)
    url = reverse("wagtail_whatsapp_admin:broadcast_test_send", args=[news_page.pk])
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("method", ["get", "post"])
def test_refused_without_permission(client, plain_editor, news_page, ready, method):
    client.force_login(plain_editor)
    for url in (
        confirm_url(news_page),
        reverse("wagtail_whatsapp_admin:broadcast_test_send", args=[news_page.pk]),
    ):
        response = getattr(client, method)(url, {"number": "348 123 4567"} if method == "post" else None)
        assert response.status_code == 403
    assert not Broadcast.objects.exists()


def test_a_page_type_that_did_not_opt_in_is_a_clear_400(client, sender, news_page, ready):
    client.force_login(sender)
    response = client.get(confirm_url(news_page.get_parent()))
    assert response.status_code == 400
    assert "Pages of this type cannot be sent via WhatsApp." in response.content.decode()


def test_a_draft_page_is_a_clear_409(client, sender, site, ready):
    draft = make_news_page(site, title="Bozza", live=False)
    client.force_login(sender)
    response = client.post(confirm_url(draft))
    assert response.status_code == 409
    assert "Only published pages can be sent" in response.content.decode()
    assert not Broadcast.objects.exists()


def test_an_unknown_page_is_404(client, sender, ready):
    client.force_login(sender)
    assert client.get(reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[99999])).status_code == 404
