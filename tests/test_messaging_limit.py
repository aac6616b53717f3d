"""Meta's daily messaging limit (250 people a day for a new number): a broadcast needing the template for more people
pauses when today's places are used and goes on by itself 24 hours later; the editor is told before sending."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.broadcasting import approved_template, news_page, subscribers
from wagtail_whatsapp import conf, messaging_limit, tasks
from wagtail_whatsapp.backends.cloud import CloudBackend
from wagtail_whatsapp.broadcasts import resume_broadcast, start_broadcast
from wagtail_whatsapp.checks import check_settings
from wagtail_whatsapp.models import Broadcast, Delivery, SandboxMessage

pytestmark = pytest.mark.django_db

BODY_ONLY = [{"type": "BODY", "text": "Novità dal Comune: {{1}}"}]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def limited(settings):
    def limit(value):
        settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "MESSAGING_LIMIT": value, "MESSAGES_PER_SECOND": 5000}

    return limit


def send(page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = start_broadcast(page)
    broadcast.refresh_from_db()
    return broadcast


def templates_sent():
    return SandboxMessage.objects.filter(direction=SandboxMessage.Direction.OUTGOING, message_type="template")


def a_day_passes():
    """Move every time the limit looks at 25 hours into the past, as if a day had gone by."""
    day = timedelta(hours=25)
    for delivery in Delivery.objects.exclude(sent_at=None):
        Delivery.objects.filter(pk=delivery.pk).update(sent_at=delivery.sent_at - day)
    for delivery in Delivery.objects.exclude(next_attempt_at=None):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.next_attempt_at - day)
    for broadcast in Broadcast.objects.exclude(resume_at=None):
        Broadcast.objects.filter(pk=broadcast.pk).update(resume_at=broadcast.resume_at - day)


def test_tier_names_map_to_people_a_day():
    assert messaging_limit.limit_of_tier("TIER_250") == 250
    assert messaging_limit.limit_of_tier("tier_2k") == 2000
    assert messaging_limit.limit_of_tier("TIER_UNLIMITED") is None
    assert messaging_limit.limit_of_tier("TIER_NEW_NAME") is None  # unknown: not paced, Meta has the last word


@pytest.mark.parametrize("value", ["lots", 0, -5, 2.5, True])
def test_a_bad_setting_is_a_system_check_error(settings, value):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "MESSAGING_LIMIT": value}
    errors = [message for message in check_settings(None) if message.id == "wagtail_whatsapp.E003"]
    assert any("MESSAGING_LIMIT" in str(error.msg) for error in errors)


@pytest.mark.parametrize("value", ["auto", None, 250])
def test_good_settings_pass(settings, value):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "MESSAGING_LIMIT": value}
    assert conf.messaging_limit() == value


def test_over_the_limit_the_broadcast_waits_a_day_and_goes_on_by_itself(
    admin_client, site, limited, django_capture_on_commit_callbacks
):
    limited(3)
    approved_template(site, components=BODY_ONLY, mapping="1 = title")
    subscribers(site, 7, in_window=2)  # 2 get free-form text, 5 need the template: 3 today, 2 tomorrow
    broadcast = send(news_page(site), django_capture_on_commit_callbacks)

    assert broadcast.status == Broadcast.Status.PAUSED
    assert "3 people a day" in broadcast.status_reason and "goes on by itself" in broadcast.status_reason
    first_template = Delivery.objects.filter(used_template=True).order_by("sent_at").first().sent_at
    # When the first place frees up (the take time: a little after the time Meta's status gave, never before).
    assert first_template + timedelta(hours=24) <= broadcast.resume_at < first_template + timedelta(hours=24, minutes=1)
    assert templates_sent().count() == 3
    assert SandboxMessage.objects.filter(direction="out", message_type="text").count() == 2  # in-window: not held
    waiting = Delivery.objects.filter(status=Delivery.Status.PENDING)
    assert waiting.count() == 2 and all(d.next_attempt_at == broadcast.resume_at for d in waiting)

    tasks.resume_stalled_broadcasts_task.call_local()  # a minute later: not yet time
    report = admin_client.get(reverse("wagtail_whatsapp_broadcasts:broadcast_report", args=[broadcast.pk]))
    text = " ".join(report.content.decode().split())
    assert "Waiting for WhatsApp&#x27;s daily limit" in text or "Waiting for WhatsApp's daily limit" in text
    assert "Once the cause is fixed" not in text  # nothing for the editor to fix
    assert Broadcast.objects.get().status == Broadcast.Status.PAUSED

    a_day_passes()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.resume_stalled_broadcasts_task.call_local()
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE and broadcast.resume_at is None
    assert templates_sent().count() == 5
    recipients = [message.recipient for message in SandboxMessage.objects.filter(direction="out")]
    assert len(recipients) == len(set(recipients)) == 7  # everyone once


def test_people_already_reached_today_do_not_take_a_new_place(site, limited, django_capture_on_commit_callbacks):
    limited(3)
    approved_template(site, components=BODY_ONLY, mapping="1 = title")
    subscribers(site, 3)
    assert send(news_page(site, title="Prima"), django_capture_on_commit_callbacks).status == Broadcast.Status.DONE
    subscribers(site, 2, start=3)
    second = send(news_page(site, title="Seconda"), django_capture_on_commit_callbacks)
    # The first three get the second news too (they count once a day); the two new ones wait.
    assert second.status == Broadcast.Status.PAUSED
    assert Delivery.objects.filter(broadcast=second, status=Delivery.Status.PENDING).count() == 2


def test_resuming_by_hand_before_the_time_sends_nothing_and_waits_again(
    site, limited, django_capture_on_commit_callbacks
):
    limited(1)
    approved_template(site, components=BODY_ONLY, mapping="1 = title")
    subscribers(site, 3)
    broadcast = send(news_page(site), django_capture_on_commit_callbacks)
    assert templates_sent().count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_broadcast(broadcast)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.PAUSED and broadcast.resume_at is not None
    assert templates_sent().count() == 1


def test_the_confirmation_view_says_how_long_it_will_take(admin_client, site, limited):
    limited(2)
    approved_template(site, components=BODY_ONLY, mapping="1 = title")
    subscribers(site, 7, in_window=2)
    page = news_page(site)
    response = admin_client.get(reverse("wagtail_whatsapp_broadcasts:broadcast_confirm", args=[page.pk]))
    assert response.status_code == 200
    text = " ".join(response.content.decode().split())
    assert "reach 2 people a day" in text and "2 places are left today: 3 subscribers" in text
    assert "over the next 2 days" in text


def test_no_warning_within_the_limit(admin_client, site, limited):
    limited(250)
    approved_template(site, components=BODY_ONLY, mapping="1 = title")
    subscribers(site, 7, in_window=2)
    response = admin_client.get(reverse("wagtail_whatsapp_broadcasts:broadcast_confirm", args=[news_page(site).pk]))
    assert "places are left today" not in response.content.decode()


def test_auto_reads_the_tier_from_meta_once_an_hour(fake_graph, settings):
    settings.WAGTAIL_WHATSAPP = {
        **settings.WAGTAIL_WHATSAPP,
        "BACKEND": "cloud",
        "API_BASE_URL": fake_graph.url,
        "ACCESS_TOKEN": fake_graph.token,
        "MESSAGING_LIMIT": "auto",
    }
    number_id = settings.WAGTAIL_WHATSAPP["PHONE_NUMBER_ID"]

    def backend():
        return CloudBackend(number_id)

    assert messaging_limit.daily_limit(number_id, backend) == 250  # the fake's new number: TIER_250
    assert messaging_limit.daily_limit(number_id, backend) == 250
    assert len([r for r in fake_graph.requests if r.method == "GET"]) == 1


def test_auto_without_an_answer_from_meta_does_not_pace(fake_graph, settings, caplog):
    settings.WAGTAIL_WHATSAPP = {
        **settings.WAGTAIL_WHATSAPP,
        "BACKEND": "cloud",
        "API_BASE_URL": fake_graph.url,
        "ACCESS_TOKEN": "a-wrong-token",
        "MESSAGING_LIMIT": "auto",
    }
    number_id = settings.WAGTAIL_WHATSAPP["PHONE_NUMBER_ID"]
    assert messaging_limit.daily_limit(number_id, lambda: CloudBackend(number_id)) is None
    assert "messaging limit could not be read" in caplog.text
    assert "a-wrong-token" not in caplog.text
