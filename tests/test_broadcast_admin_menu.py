"""The "Send via WhatsApp" item: in the editor's action menu, the page header's and the listing's "more" menus,
shown only for live pages of opted-in types and only to users with send_broadcast."""

import pytest
from django.urls import reverse

from tests.broadcast_admin import make_news_page
from wagtail_whatsapp.admin.page_actions import can_send_via_whatsapp

pytestmark = pytest.mark.django_db

LABEL = "Send via WhatsApp"


def send_url(page):
    return reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[page.pk])


def editor_html(client, page):
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    return response.content.decode()


def listing_html(client, parent):
    response = client.get(reverse("wagtailadmin_explore", args=[parent.pk]))
    assert response.status_code == 200
    return response.content.decode()


def in_action_menu(html, url):
    """The editor's footer action menu renders items as ``<a class="button" href=...>``."""
    return f'<a class="button" href="{url}">' in html


def in_more_menu(html, url):
    """Header and listing "more" dropdowns render items as ``<a href=... class="">``."""
    return f'<a href="{url}" class=""' in html


def test_sender_sees_the_item_in_the_editor_menu(client, sender, news_page):
    client.force_login(sender)
    html = editor_html(client, news_page)
    assert in_action_menu(html, send_url(news_page))
    assert in_more_menu(html, send_url(news_page))  # the editor's header "more" menu too


def test_sender_sees_the_item_in_the_page_header(client, sender, news_page):
    client.force_login(sender)
    # The explorer of a page shows that page's header with its "more" menu.
    html = listing_html(client, news_page)
    assert in_more_menu(html, send_url(news_page))


def test_sender_sees_the_item_in_the_listing_more_menu(client, sender, news_page):
    client.force_login(sender)
    html = listing_html(client, news_page.get_parent())
    assert in_more_menu(html, send_url(news_page))
    assert LABEL in html


def test_editor_without_permission_sees_it_nowhere(client, plain_editor, news_page):
    client.force_login(plain_editor)
    assert send_url(news_page) not in editor_html(client, news_page)
    assert send_url(news_page) not in listing_html(client, news_page)
    assert send_url(news_page) not in listing_html(client, news_page.get_parent())


def test_not_shown_for_a_draft_page(client, sender, site):
    draft = make_news_page(site, title="Bozza", live=False)
    client.force_login(sender)
    assert send_url(draft) not in editor_html(client, draft)
    assert send_url(draft) not in listing_html(client, draft.get_parent())


def test_not_shown_for_a_page_type_that_did_not_opt_in(client, sender, news_page):
    index = news_page.get_parent()
    client.force_login(sender)
    assert send_url(index) not in editor_html(client, index)
    assert send_url(index) not in listing_html(client, index)  # header of the index page
    assert send_url(index) not in listing_html(client, index.get_parent())  # listing row of the index page


def test_superuser_sees_it(admin_client, news_page):
    assert in_action_menu(editor_html(admin_client, news_page), send_url(news_page))


def test_one_callable_decides(sender, plain_editor, news_page, site):
    assert can_send_via_whatsapp(news_page, sender)
    # A plain Page from a listing (not the specific class) is recognised by its type.
    assert can_send_via_whatsapp(news_page.page_ptr, sender)
    assert not can_send_via_whatsapp(news_page, plain_editor)
    assert not can_send_via_whatsapp(site.root_page, sender)
