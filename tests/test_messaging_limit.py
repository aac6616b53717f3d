"""Meta's daily messaging limit (250 people a day for a new number): a broadcast needing the template for more people
pauses when today's places are used and goes on by itself 24 hours later; the editor is told before sending."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tests.broadcasting import approved_template, news_page, subscribers
from wagtail_whatsapp import conf
from wagtail_whatsapp.backends.cloud import CloudBackend
from wagtail_whatsapp.checks import check_settings
from wagtail_whatsapp.models import Broadcast, Delivery, SandboxMessage, Subscriber, WhatsAppSettings
from wagtail_whatsapp.outbound import messaging_limit, tasks
from wagtail_whatsapp.outbound.broadcasts import resume_broadcast, start_broadcast

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
    # When the first place frees up: the take time, within a second of the time Meta's status gave.
    assert abs(broadcast.resume_at - (first_template + timedelta(hours=24))) < timedelta(seconds=2)
    assert templates_sent().count() == 3
    assert SandboxMessage.objects.filter(direction="out", message_type="text").count() == 2  # in-window: not held
    waiting = Delivery.objects.filter(status=Delivery.Status.PENDING)
    assert waiting.count() == 2 and all(d.next_attempt_at == broadcast.resume_at for d in waiting)

    tasks.resume_stalled_broadcasts_task.call_local()  # a minute later: not yet time
    report = admin_client.get(reverse("wagtail_whatsapp_admin:broadcast_report", args=[broadcast.pk]))
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
    response = admin_client.get(reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[page.pk]))
    assert response.status_code == 200
    text = " ".join(response.content.decode().split())
    assert "reach 2 people a day" in text and "2 places are left today: 3 subscribers" in text
    assert "over the next 2 days" in text


def test_no_warning_within_the_limit(admin_client, site, limited):
    limited(250)
    approved_template(site, components=BODY_ONLY, mapping="1 = title")
    subscribers(site, 7, in_window=2)
    response = admin_client.get(reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[news_page(site).pk]))
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


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now


def test_places_taken_more_than_a_day_ago_are_free_again():
    clock = Clock()
    quota = messaging_limit.DailyQuota(2, {1: clock.now - timedelta(hours=23, minutes=55)}, clock=clock)
    assert quota.take(2) is True and quota.take(3) is False
    assert quota.frees_at() == clock.now + timedelta(minutes=5)  # when subscriber 1's place frees up
    clock.now += timedelta(minutes=6)
    assert quota.frees_at() >= clock.now  # never a time already past (the sender would claim it again at once)
    assert quota.take(3) is True  # subscriber 1's place is free again
    assert quota.take(1) is False and quota.left == 0


def test_a_subscriber_already_reached_today_is_not_held_back(site, limited, django_capture_on_commit_callbacks):
    limited(2)
    approved_template(site, components=BODY_ONLY, mapping="1 = title")
    first, second = subscribers(site, 2, status=Subscriber.Status.UNSUBSCRIBED)
    [reached] = subscribers(site, 1, start=2)
    send(news_page(site, title="Prima"), django_capture_on_commit_callbacks)  # `reached` takes one place
    Subscriber.objects.filter(pk__in=[first.pk, second.pk]).update(status=Subscriber.Status.ACTIVE)

    broadcast = send(news_page(site, title="Seconda"), django_capture_on_commit_callbacks)
    # `first` takes the last place, `second` waits; `reached` (last in line) costs no new place and is not held back.
    assert broadcast.status == Broadcast.Status.PAUSED
    statuses = dict(Delivery.objects.filter(broadcast=broadcast).values_list("subscriber_id", "status"))
    assert statuses[second.pk] == Delivery.Status.PENDING
    assert statuses[first.pk] != Delivery.Status.PENDING and statuses[reached.pk] != Delivery.Status.PENDING


def test_failed_template_messages_take_no_place(site):
    from wagtail_whatsapp.models import Broadcast as BroadcastModel

    broadcast = BroadcastModel.objects.create(site=site, title="t", message="m", recipients_count=2)
    delivered, failed = subscribers(site, 2)
    now = timezone.now()
    for subscriber, status in ((delivered, Delivery.Status.DELIVERED), (failed, Delivery.Status.FAILED)):
        Delivery.objects.create(
            broadcast=broadcast, subscriber=subscriber, status=status, used_template=True, sent_at=now
        )
    assert set(messaging_limit.reached_with_template([site.pk])) == {delivered.pk}


def test_a_waiting_broadcast_does_not_go_on_in_the_quiet_hours(site, limited, django_capture_on_commit_callbacks):
    limited(1)
    approved_template(site, components=BODY_ONLY, mapping="1 = title")
    subscribers(site, 2)
    broadcast = send(news_page(site), django_capture_on_commit_callbacks)
    assert broadcast.status == Broadcast.Status.PAUSED
    a_day_passes()
    whatsapp = WhatsAppSettings.for_site(site)
    now = timezone.localtime()
    whatsapp.quiet_hours_start = (now - timedelta(hours=1)).time()
    whatsapp.quiet_hours_end = (now + timedelta(hours=1)).time()
    whatsapp.save()
    tasks.resume_stalled_broadcasts_task.call_local()
    assert Broadcast.objects.get().status == Broadcast.Status.PAUSED  # at night it waits for the morning

    whatsapp.quiet_hours_start = whatsapp.quiet_hours_end = None
    whatsapp.save()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.resume_stalled_broadcasts_task.call_local()
    assert Broadcast.objects.get().status == Broadcast.Status.DONE


def test_a_refresh_adds_the_places_another_sender_used_meanwhile(site):
    quota = messaging_limit.DailyQuota(2, {}, site_ids=[site.pk])
    broadcast = Broadcast.objects.create(site=site, title="t", message="m", recipients_count=1)
    elsewhere, mine, third = subscribers(site, 3)
    # Another consumer's broadcast on the same number sends a template after this quota was read.
    Delivery.objects.create(
        broadcast=broadcast, subscriber=elsewhere, status="sent", used_template=True, sent_at=timezone.now()
    )
    quota.refresh()
    assert quota.take(mine.pk) is True and quota.take(third.pk) is False
    quota.refresh()  # read again: the same place is not counted twice
    assert quota.left == 0 and len(quota.reached) == 2
