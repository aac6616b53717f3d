"""Topics and places in the admin (issue 17): edited in Settings → WhatsApp (an inline panel, in order), ticked on a
page by who may send it. Through the real admin views with the Django test client."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from tests.topics import add_topics
from wagtail_whatsapp.models import Topic, WhatsAppSettings

pytestmark = pytest.mark.django_db


def settings_form(response):
    """The settings form's current values, as the browser would post them back."""
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else (value.pk if hasattr(value, "pk") else value)
    return data


def test_topics_and_places_are_edited_in_the_settings(admin_client, site):
    url = reverse("wagtailsettings:edit", args=["wagtail_whatsapp", "whatsappsettings", site.pk])
    response = admin_client.get(url)
    assert "Topics and places" in response.content.decode()
    data = settings_form(response)
    data.update(
        nested_form_data(
            {
                "topics": inline_formset(
                    [
                        {"kind": "topic", "name": "Eventi", "keyword": "", "ORDER": "1"},
                        {"kind": "place", "name": "Sellere", "keyword": "SELLERE", "ORDER": "2"},
                    ]
                )
            }
        )
    )
    data["topics_keyword"] = "TEMI"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    saved = WhatsAppSettings.for_site(site)
    assert saved.topics_keyword == "TEMI"
    assert [(t.kind, t.name, t.choice_keyword) for t in saved.choosable_topics()] == [
        ("topic", "Eventi", "Eventi"),
        ("place", "Sellere", "SELLERE"),
    ]


def test_more_than_ten_topics_and_places_do_not_fit_the_list(admin_client, site):
    url = reverse("wagtailsettings:edit", args=["wagtail_whatsapp", "whatsappsettings", site.pk])
    data = settings_form(admin_client.get(url))
    rows = [{"kind": "topic", "name": f"Argomento {n}", "keyword": "", "ORDER": str(n)} for n in range(11)]
    data.update(nested_form_data({"topics": inline_formset(rows)}))
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert not Topic.objects.exists()


def post_topics(admin_client, site, rows):
    url = reverse("wagtailsettings:edit", args=["wagtail_whatsapp", "whatsappsettings", site.pk])
    data = settings_form(admin_client.get(url))
    data.update(nested_form_data({"topics": inline_formset(rows, initial=sum(1 for row in rows if "id" in row))}))
    return admin_client.post(url, data)


def test_two_topics_answering_to_the_same_word_are_refused(admin_client, site):
    """ "ISCRIVIMI EVENTI" must name one topic: a keyword folding like another's (case, accents, punctuation) is a form
    error on the later row, and nothing is saved."""
    response = post_topics(
        admin_client,
        site,
        [
            {"kind": "topic", "name": "Eventi", "keyword": "", "ORDER": "1"},
            {"kind": "topic", "name": "Feste", "keyword": "èventi!", "ORDER": "2"},
        ],
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“EVENTI” already chooses “Eventi”: give this one another keyword." in html.replace("&ldquo;", "“").replace(
        "&rdquo;", "”"
    )
    assert not Topic.objects.exists()


def test_a_deleted_topics_word_may_be_given_to_a_new_one(admin_client, site):
    [old] = add_topics(WhatsAppSettings.for_site(site), "Eventi")
    response = post_topics(
        admin_client,
        site,
        [
            {"id": str(old.pk), "kind": "topic", "name": "Eventi", "keyword": "", "ORDER": "1", "DELETE": "on"},
            {"kind": "topic", "name": "Feste", "keyword": "EVENTI", "ORDER": "2"},
        ],
    )
    assert response.status_code == 302, response.context["form"].errors
    assert [(t.name, t.choice_keyword) for t in WhatsAppSettings.for_site(site).choosable_topics()] == [
        ("Feste", "EVENTI")
    ]


def page_edit_data(page, topics):
    data = nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "date": page.date.isoformat(),
            "intro": page.intro,
            "body": rich_text(page.body or ""),
            "whatsapp_message_override": "",
            "comments": inline_formset([]),
        }
    )
    data["whatsapp_topics"] = [str(topic.pk) for topic in topics]  # ticked boxes: one value each
    return data


def test_a_sender_ticks_the_pages_topics(client, sender, site, news_page):
    eventi, _scuola = add_topics(WhatsAppSettings.for_site(site), "Eventi", "Scuola")
    client.force_login(sender)
    edit = reverse("wagtailadmin_pages:edit", args=[news_page.pk])
    assert 'name="whatsapp_topics"' in client.get(edit).content.decode()
    response = client.post(edit, {**page_edit_data(news_page, [eventi]), "action-publish": "action-publish"})
    assert response.status_code == 302
    news_page.refresh_from_db()
    assert list(news_page.whatsapp_topics.all()) == [eventi]


def test_an_editor_who_may_not_send_does_not_see_the_topics(client, plain_editor, site, news_page):
    add_topics(WhatsAppSettings.for_site(site), "Eventi")
    client.force_login(plain_editor)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[news_page.pk])).content.decode()
    assert 'name="whatsapp_topics"' not in html


def test_the_page_offers_only_its_own_sites_topics(client, sender, site, news_page):
    from wagtail.models import Site

    add_topics(WhatsAppSettings.for_site(site), "Eventi")
    other = Site.objects.create(hostname="altro.example", root_page=site.root_page.get_parent(), site_name="Altro")
    [mercato] = add_topics(WhatsAppSettings.for_site(other), "Mercato")
    client.force_login(sender)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[news_page.pk])).content.decode()
    assert "Eventi" in html and f'value="{mercato.pk}"' not in html
