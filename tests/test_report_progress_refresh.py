"""The broadcast report after a reload and after the end: a bar drawn with valid CSS in Italian, the true number of
recipients still waiting, and figures that keep refreshing while Meta's statuses still arrive."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from tests.broadcast_admin import approved_template, make_subscribers, make_user
from wagtail_whatsapp.models import Broadcast, Delivery, WhatsAppSettings
from wagtail_whatsapp.outbound.delivery_claims import fan_out

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(django_user_model, site):
    return make_user(django_user_model, site, "reader", ["view_reports"])


def italian(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "it"
    profile.save()


def start(site, news_page, broadcast_engine, subscribers=5):
    make_subscribers(site, outside_window=subscribers - 2, inside_window=2)
    approved_template(site)
    return broadcast_engine.start_broadcast(news_page)


def report(client, broadcast):
    return client.get(reverse("wagtail_whatsapp_admin:broadcast_report", args=[broadcast.pk])).content.decode()


def progress(client, broadcast):
    return client.get(reverse("wagtail_whatsapp_admin:broadcast_progress", args=[broadcast.pk])).json()


def test_the_bar_is_drawn_with_a_decimal_point_under_italian(client, reader, site, news_page, broadcast_engine):
    broadcast = start(site, news_page, broadcast_engine, subscribers=8)
    fan_out(broadcast)
    Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.SENDING)
    first = broadcast.deliveries.order_by("pk").first()
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    italian(reader)
    client.force_login(reader)
    html = report(client, broadcast)
    assert 'style="width: 12.5%"' in html  # 1 of 8: "12,5%" would be invalid CSS, and the bar drawn full
    assert 'aria-valuenow="12.5"' in html
    assert re.search(r'data-progress-field="percent">12,5<', html)  # the text stays Italian
    assert (
        f'data-broadcast="{broadcast.pk}"'
        in client.get(reverse("wagtail_whatsapp_admin:broadcast_index")).content.decode()
    )


def test_waiting_counts_every_recipient_before_the_sender_starts(client, reader, site, news_page, broadcast_engine):
    broadcast = start(site, news_page, broadcast_engine)  # queued: no delivery exists until the sender fans out
    client.force_login(reader)
    data = progress(client, broadcast)
    assert (data["recipients"], data["pending"], data["sent"], data["percent"]) == (5, 5, 0, 0)
    assert '<td data-progress-field="pending">5</td>' in report(client, broadcast)


def test_waiting_counts_deliveries_held_for_the_daily_limit(client, reader, site, news_page, broadcast_engine):
    broadcast = start(site, news_page, broadcast_engine)
    fan_out(broadcast)
    later = timezone.now() + timedelta(hours=3)
    Broadcast.objects.filter(pk=broadcast.pk).update(
        status=Broadcast.Status.PAUSED, resume_at=later, status_reason="Limite giornaliero"
    )
    held = list(broadcast.deliveries.order_by("pk").values_list("pk", flat=True)[:3])
    Delivery.objects.filter(pk__in=held).update(next_attempt_at=later)
    Delivery.objects.exclude(pk__in=held).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    client.force_login(reader)
    data = progress(client, broadcast)
    assert (data["sent"], data["pending"], data["not_sent"]) == (2, 3, 0)


def test_the_quiet_hours_say_why_everyone_waits(client, reader, site, news_page, broadcast_engine):
    now = timezone.localtime()
    whatsapp = WhatsAppSettings.for_site(site)
    whatsapp.quiet_hours_start, whatsapp.quiet_hours_end = (
        (now - timedelta(hours=1)).time(),
        (now + timedelta(hours=2)).time(),
    )
    whatsapp.save()
    broadcast = start(site, news_page, broadcast_engine)
    client.force_login(reader)
    data = progress(client, broadcast)
    assert data["pending"] == 5
    assert data["waiting_reason"] == f"Quiet hours: sending starts at {(now + timedelta(hours=2)):%H:%M}."


def finish(broadcast, finished_ago, last_status_ago):
    now = timezone.now()
    fan_out(broadcast)
    Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.DONE, finished_at=now - finished_ago)
    broadcast.deliveries.update(status=Delivery.Status.SENT, sent_at=now - finished_ago)
    first = broadcast.deliveries.order_by("pk").first()
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.DELIVERED, delivered_at=now - last_status_ago)


def test_figures_keep_refreshing_after_the_end_while_statuses_arrive(client, reader, site, news_page, broadcast_engine):
    broadcast = start(site, news_page, broadcast_engine)
    finish(broadcast, finished_ago=timedelta(minutes=50), last_status_ago=timedelta(minutes=2))
    client.force_login(reader)
    data = progress(client, broadcast)
    assert data["status"] == "done" and data["active"] is False
    assert data["settling"] is True and data["polling"] is True  # the script keeps polling
    html = report(client, broadcast)
    assert 'data-active="false" data-polling="true"' in html
    assert "the delivered and read figures may still grow" in html
    # A status arrives: the next poll shows it.
    Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.SENT).update(
        status=Delivery.Status.READ, delivered_at=timezone.now(), read_at=timezone.now()
    )
    assert progress(client, broadcast)["read"] == 4


@pytest.mark.parametrize(
    ("finished_ago", "last_status_ago"),
    [
        (timedelta(hours=2), timedelta(minutes=31)),  # nothing has moved for half an hour
        (timedelta(hours=25), timedelta(minutes=1)),  # statuses still trickle in, but a day has passed
    ],
)
def test_the_refreshing_stops_when_statuses_stop_or_after_a_day(
    client, reader, site, news_page, broadcast_engine, finished_ago, last_status_ago
):
    broadcast = start(site, news_page, broadcast_engine)
    finish(broadcast, finished_ago=finished_ago, last_status_ago=last_status_ago)
    client.force_login(reader)
    data = progress(client, broadcast)
    assert data["settling"] is False and data["polling"] is False
    html = report(client, broadcast)
    assert 'data-polling="false"' in html and "may still grow" not in html
    assert "appear when you reload this page" in html


def test_a_cancelled_broadcast_shows_who_never_got_it_not_waiting(client, reader, site, news_page, broadcast_engine):
    broadcast = start(site, news_page, broadcast_engine)
    broadcast_engine.cancel_broadcast(broadcast)
    client.force_login(reader)
    data = progress(client, broadcast)
    assert (data["pending"], data["not_sent"]) == (0, 5)
    assert "5 subscribers never received it" in report(client, broadcast)
