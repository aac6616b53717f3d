"""Topics and places, the town's side (issue 17): a page carries topics and places, a broadcast reaches only the
citizens whose choices match (those who chose nothing receive everything, a page without topics goes to everyone),
and the confirmation page shows the recipients and the cost per choice. Through the real sender (test backend) and
the admin through the Django test client."""

import pytest
from django.urls import reverse

from tests.broadcast_admin import approved_template, make_news_page, make_subscribers
from tests.broadcasting import news_page as published_news_page
from tests.topics import add_topics, subscriber_choosing
from wagtail_whatsapp.models import Delivery, Topic, WhatsAppSettings
from wagtail_whatsapp.outbound import send_failures
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import start_broadcast
from wagtail_whatsapp.outbound.plan import plan_broadcast

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(send_failures, "BACKOFF_BASE", 0.0)


@pytest.fixture
def town(site):
    """Five citizens of a town with two topics and two hamlets, each with their choices."""
    settings = WhatsAppSettings.for_site(site)
    eventi, viabilita = add_topics(settings, "Eventi", "Viabilità")
    sellere, bossico = add_topics(settings, "Sellere", "Bossico", kind=Topic.Kind.PLACE)
    choosing = {
        "+393330000001": [eventi],
        "+393330000002": [viabilita],
        "+393330000003": [],  # no choice: everything
        "+393330000004": [sellere],  # a place only: every topic, in Sellere
        "+393330000005": [eventi, bossico],
    }
    for number, topics in choosing.items():
        subscriber_choosing(site, number, *topics, in_window=True)
    return {topic.name: topic for topic in (eventi, viabilita, sellere, bossico)}


def page_about(site, *topics):
    page = published_news_page(site)
    page.whatsapp_topics.set(topics)
    page.save_revision().publish()
    return page


def who_receives(page, test_backend):
    broadcast = start_broadcast(page)
    assert sending.send_broadcast(broadcast.pk)
    return sorted(number[-1] for number in test_backend.numbers())


def test_a_page_about_a_topic_reaches_who_chose_it_or_no_topic(site, town, test_backend):
    assert who_receives(page_about(site, town["Eventi"]), test_backend) == ["1", "3", "4", "5"]


def test_a_page_about_a_topic_in_a_hamlet_matches_both_kinds(site, town, test_backend):
    # 5 chose Eventi but only Bossico; 2 chose only Viabilità.
    assert who_receives(page_about(site, town["Eventi"], town["Sellere"]), test_backend) == ["1", "3", "4"]


def test_a_page_without_topics_goes_to_everyone(site, town, test_backend):
    assert who_receives(page_about(site), test_backend) == ["1", "2", "3", "4", "5"]


def test_an_urgent_broadcast_goes_to_everyone_whatever_they_chose(site, town, test_backend):
    broadcast = start_broadcast(page_about(site, town["Eventi"], town["Sellere"]), urgent=True)
    assert sending.send_broadcast(broadcast.pk)
    assert sorted(number[-1] for number in test_backend.numbers()) == ["1", "2", "3", "4", "5"]


def test_an_urgent_alert_is_planned_for_everyone(site, town):
    # The count (and cost) the editor confirms is everyone's, as the alert's reach.
    page = page_about(site, town["Eventi"], town["Sellere"])
    assert plan_broadcast(page).recipients < 5
    assert plan_broadcast(page, urgent=True).recipients == 5


def test_the_broadcast_counts_only_the_matching_citizens(site, town, test_backend):
    broadcast = start_broadcast(page_about(site, town["Viabilità"]))
    assert broadcast.recipients_count == 3  # planned: 2 chose it, 3 chose nothing, 4 chose a place only
    assert sending.send_broadcast(broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.recipients_count == Delivery.objects.filter(broadcast=broadcast).count() == 3


def test_the_confirmation_page_shows_count_and_cost_per_choice(client, sender, site, test_backend):
    settings = WhatsAppSettings.for_site(site)
    [eventi] = add_topics(settings, "Eventi")
    [sellere] = add_topics(settings, "Sellere", kind=Topic.Kind.PLACE)
    approved_template(site)
    outside = make_subscribers(site, outside_window=3, inside_window=0)  # template: 0.0691 USD each
    inside = make_subscribers(site, outside_window=0, inside_window=2, start=3482000000)  # free
    outside[0].topics.set([eventi])
    outside[1].topics.set([eventi, sellere])
    inside[0].topics.set([eventi])
    page = make_news_page(site)
    page.whatsapp_topics.set([eventi, sellere])
    page.save_revision().publish()

    client.force_login(sender)
    html = client.get(reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[page.pk])).content.decode()

    assert 'data-recipients="5"' in html
    assert f'data-choice="{eventi.pk}" data-choice-count="3"' in html
    assert f'data-choice="{sellere.pk}" data-choice-count="1"' in html
    assert 'data-choice="none" data-choice-count="2"' in html
    costs = html.split("data-choice-cost>")[1:]
    assert [cost.split("<")[0] for cost in costs] == ["0.14 USD", "0.07 USD", "0.07 USD"]


def test_no_table_for_a_page_without_topics(client, sender, site, news_page, test_backend):
    add_topics(WhatsAppSettings.for_site(site), "Eventi")
    make_subscribers(site)
    client.force_login(sender)
    html = client.get(reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[news_page.pk])).content.decode()
    assert "data-choice-shares" not in html
