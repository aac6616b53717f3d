"""Scheduling a broadcast for a date and time: on the confirmation page ("Send now" / "Schedule for…"), listed with
its time, moved and cancelled until it starts, started by the minute's periodic task at its time (planned again for
the subscribers of that moment, quiet hours and the daily limit honoured), and ``whatsapp_broadcast --at``."""

import datetime
import html as html_module
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry
from wagtail.users.models import UserProfile

from tests.broadcast_admin import approved_template, make_subscribers, make_user
from wagtail_whatsapp.models import Broadcast, Subscriber, WhatsAppSettings
from wagtail_whatsapp.outbound import tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(site, test_backend):
    make_subscribers(site, outside_window=3, inside_window=2)
    return approved_template(site)


@pytest.fixture
def reader(django_user_model, site):
    """Sees the broadcasts (view_reports) but may not send, move or cancel them."""
    return make_user(django_user_model, site, "lettore", ["view_reports"])


def local_time(**ahead):
    """A whole minute ``ahead`` of now, in the site's time (Europe/Rome in the example site)."""
    return (timezone.localtime() + timedelta(**ahead)).replace(second=0, microsecond=0)


def typed(moment):
    """As Wagtail's date-time picker writes it in the field."""
    return f"{moment:%Y-%m-%d %H:%M}"


def confirm_url(page):
    return reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[page.pk])


def reschedule_url(broadcast):
    return reverse("wagtail_whatsapp_admin:broadcast_reschedule", args=[broadcast.pk])


def schedule(client, page, moment, follow=False, **extra):
    data = {"when": "later", "scheduled_for": typed(moment), **extra}
    return client.post(confirm_url(page), data, follow=follow)


def the_time_comes(django_capture_on_commit_callbacks, *broadcasts):
    """Move the broadcasts' time a minute into the past and run the minute's periodic task, as the consumer does."""
    past = timezone.now() - timedelta(minutes=1)
    Broadcast.objects.filter(pk__in=[broadcast.pk for broadcast in broadcasts]).update(scheduled_for=past)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.resume_stalled_broadcasts_task.call_local()
    for broadcast in broadcasts:
        broadcast.refresh_from_db()


def history(page, action):
    return PageLogEntry.objects.filter(page=page, action=f"wagtail_whatsapp.{action}")


def text_of(response):
    """The page's HTML with entities decoded (Django escapes the apostrophes of Italian in some places only)."""
    return html_module.unescape(response.content.decode())


def speaks_italian(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "it"
    profile.save()


# --- The confirmation page -------------------------------------------------------------------------------------------


def test_the_confirmation_page_offers_now_or_a_time_with_wagtails_picker(client, sender, news_page, ready):
    speaks_italian(sender)
    client.force_login(sender)
    html = text_of(client.get(confirm_url(news_page)))
    assert "Invia ora" in html and "Programma per…" in html
    assert 'name="when" value="later"' in html and 'name="scheduled_for"' in html
    assert "wagtailadmin/js/date-time-chooser.js" in html  # Wagtail's own AdminDateTimeInput
    assert "Nel fuso orario del sito (Europe/Rome)." in html
    assert "Programma l'invio" in html  # the button's words once "later" is chosen
    assert "5 iscritti" in html  # today's count and cost stay on the page


def test_scheduling_stores_the_broadcast_sends_nothing_and_says_when(client, sender, news_page, ready, test_backend):
    moment = local_time(days=2)
    client.force_login(sender)
    response = schedule(client, news_page, moment)
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.status == Broadcast.Status.SCHEDULED
    assert broadcast.scheduled_for == moment  # the typed time is the site's local time
    assert timezone.localtime(broadcast.scheduled_for).tzinfo.key == "Europe/Rome"
    assert broadcast.recipients_count == 5 and broadcast.created_by == sender
    assert test_backend.sent == []
    entry = history(news_page, "broadcast_scheduled").get()
    assert entry.user == sender and "WhatsApp broadcast scheduled for" in entry.message
    assert not history(news_page, "broadcast").exists()  # not sent: only scheduled

    report = client.get(response.url).content.decode()
    assert "is scheduled for" in report and "(5 today)" in report
    assert "Scheduled for" in report and "Change the time" in report and "Cancel the broadcast" in report
    assert "Scheduled: it starts by itself on" in report  # why the recipients wait
    assert "Pause" not in report


def test_the_list_shows_the_scheduled_time_and_a_way_to_change_it(client, sender, reader, news_page, ready):
    moment = local_time(days=3)
    client.force_login(sender)
    schedule(client, news_page, moment)
    broadcast = Broadcast.objects.get()
    html = client.get(reverse("wagtail_whatsapp_admin:broadcast_index")).content.decode()
    assert f"Scheduled for {moment:%m/%d/%Y}" in html  # English short format: 12/24/2026 9 a.m.
    assert reschedule_url(broadcast) in html

    client.force_login(reader)  # sees it, without the link
    html = client.get(reverse("wagtail_whatsapp_admin:broadcast_index")).content.decode()
    assert "Scheduled for" in html and reschedule_url(broadcast) not in html


def test_the_list_says_it_in_italian(client, sender, news_page, ready):
    moment = local_time(days=3)
    speaks_italian(sender)
    client.force_login(sender)
    schedule(client, news_page, moment)
    html = text_of(client.get(reverse("wagtail_whatsapp_admin:broadcast_index")))
    assert f"Programmato per {moment:%d/%m/%Y %H:%M}" in html and "Cambia l'ora" in html


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("past", "Choose a time in the future."),
        ("far", "A broadcast can be scheduled at most 60 days ahead."),
        ("", "Choose the date and time of the broadcast."),
        ("domani alle nove", "Enter a valid date/time."),
        ("2026-13-45 25:99", "Enter a valid date/time."),
    ],
)
def test_a_bad_time_is_a_form_error_and_schedules_nothing(client, sender, news_page, ready, value, error):
    value = {"past": typed(local_time(minutes=-5)), "far": typed(local_time(days=61))}.get(value, value)
    client.force_login(sender)
    response = client.post(confirm_url(news_page), {"when": "later", "scheduled_for": value})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Broadcast.objects.exists()


def test_the_errors_are_in_italian(client, sender, news_page, ready):
    speaks_italian(sender)
    client.force_login(sender)
    html = text_of(schedule(client, news_page, local_time(minutes=-5)))
    assert "Scegli un'ora futura." in html
    html = text_of(schedule(client, news_page, local_time(days=61)))
    assert "Un invio si può programmare al massimo 60 giorni prima." in html
    assert not Broadcast.objects.exists()


def test_a_page_already_scheduled_says_so_and_asks_before_a_second_one(client, sender, news_page, ready):
    client.force_login(sender)
    schedule(client, news_page, local_time(days=2))
    scheduled = Broadcast.objects.get()
    html = " ".join(text_of(client.get(confirm_url(news_page))).split())
    assert "This page is already scheduled for" in html and reschedule_url(scheduled) in html
    response = schedule(client, news_page, local_time(days=3))  # without the repeat tick
    assert response.status_code == 200 and "Tick the box to confirm" in response.content.decode()
    assert Broadcast.objects.count() == 1


def test_a_date_left_behind_by_send_now_is_no_error(
    client, sender, news_page, ready, test_backend, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(news_page), {"when": "now", "scheduled_for": "nonsense"})
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.scheduled_for is None and broadcast.status == Broadcast.Status.DONE
    assert len(test_backend.sent) == 5


def test_without_the_send_permission_a_forged_schedule_is_refused(client, plain_editor, reader, news_page, ready):
    for user in (plain_editor, reader):
        client.force_login(user)
        response = schedule(client, news_page, local_time(days=1))
        assert response.status_code == 403
    assert not Broadcast.objects.exists()


# --- Moving and cancelling it until it starts -------------------------------------------------------------------------


def test_an_editor_moves_the_time_and_the_history_says_so(client, sender, news_page, ready):
    client.force_login(sender)
    first = local_time(days=2)
    schedule(client, news_page, first)
    broadcast = Broadcast.objects.get()
    page = client.get(reschedule_url(broadcast)).content.decode()
    assert f'value="{typed(first)}"' in page and "wagtailadmin/js/date-time-chooser.js" in page

    later = local_time(days=5)
    response = client.post(reschedule_url(broadcast), {"scheduled_for": typed(later)}, follow=True)
    broadcast.refresh_from_db()
    assert broadcast.scheduled_for == later and broadcast.status == Broadcast.Status.SCHEDULED
    assert "The broadcast is now scheduled for" in response.content.decode()
    entry = history(news_page, "broadcast_rescheduled").get()
    assert entry.user == sender and entry.message.startswith("WhatsApp broadcast moved from")


def test_a_bad_new_time_is_a_form_error(client, sender, news_page, ready):
    client.force_login(sender)
    first = local_time(days=2)
    schedule(client, news_page, first)
    broadcast = Broadcast.objects.get()
    for value, error in [
        (typed(local_time(hours=-1)), "Choose a time in the future."),
        ("", "This field is required."),
        ("24/24/2026", "Enter a valid date/time."),
    ]:
        response = client.post(reschedule_url(broadcast), {"scheduled_for": value})
        assert response.status_code == 200 and error in response.content.decode()
    broadcast.refresh_from_db()
    assert broadcast.scheduled_for == first


def test_once_started_the_time_can_no_longer_be_changed(
    client, sender, news_page, ready, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    schedule(client, news_page, local_time(days=2))
    broadcast = Broadcast.objects.get()
    the_time_comes(django_capture_on_commit_callbacks, broadcast)
    assert broadcast.status == Broadcast.Status.DONE
    for response in (
        client.get(reschedule_url(broadcast)),
        client.post(reschedule_url(broadcast), {"scheduled_for": typed(local_time(days=3))}),
    ):
        assert response.status_code == 409
        assert "once it has started, its time cannot be changed" in response.content.decode()
    assert not history(news_page, "broadcast_rescheduled").exists()


def test_a_scheduled_broadcast_is_cancelled_and_never_starts(
    client, sender, news_page, ready, test_backend, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    schedule(client, news_page, local_time(days=2))
    broadcast = Broadcast.objects.get()
    cancel = reverse("wagtail_whatsapp_admin:broadcast_control", args=[broadcast.pk, "cancel"])
    response = client.post(cancel, follow=True)
    assert "The broadcast is cancelled" in response.content.decode()
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.CANCELLED
    assert history(news_page, "broadcast_cancelled").get().user == sender

    the_time_comes(django_capture_on_commit_callbacks, broadcast)
    assert broadcast.status == Broadcast.Status.CANCELLED and test_backend.sent == []
    assert client.get(reschedule_url(broadcast)).status_code == 409


def test_without_the_send_permission_nobody_moves_or_cancels_it(client, sender, plain_editor, reader, news_page, ready):
    first = local_time(days=2)
    client.force_login(sender)
    schedule(client, news_page, first)
    broadcast = Broadcast.objects.get()
    cancel = reverse("wagtail_whatsapp_admin:broadcast_control", args=[broadcast.pk, "cancel"])
    for user in (plain_editor, reader):
        client.force_login(user)
        assert client.get(reschedule_url(broadcast)).status_code == 403
        assert client.post(reschedule_url(broadcast), {"scheduled_for": typed(local_time(days=9))}).status_code == 403
        assert client.post(cancel).status_code == 403
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SCHEDULED and broadcast.scheduled_for == first


# --- At its time -----------------------------------------------------------------------------------------------------


def test_at_its_time_it_starts_by_itself_for_the_subscribers_of_that_moment(
    client, site, sender, news_page, ready, test_backend, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    schedule(client, news_page, local_time(days=1))
    broadcast = Broadcast.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        tasks.resume_stalled_broadcasts_task.call_local()  # not yet its time
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SCHEDULED and test_backend.sent == []

    # Meanwhile one more citizen subscribes and one leaves: the plan is made again when it starts.
    make_subscribers(site, outside_window=2, inside_window=0, start=3482000000)
    Subscriber.objects.filter(phone_number="+393481000000").update(status=Subscriber.Status.UNSUBSCRIBED)
    the_time_comes(django_capture_on_commit_callbacks, broadcast)

    assert broadcast.status == Broadcast.Status.DONE and broadcast.recipients_count == 6
    recipients = test_backend.numbers()
    assert len(recipients) == 6 and "393481000000" not in recipients and "393482000001" in recipients
    entry = history(news_page, "broadcast").get()
    assert entry.user == sender and entry.message == "Sent via WhatsApp to 6 subscribers (as scheduled)"


def test_in_the_quiet_hours_it_waits_for_their_end_unless_urgent(
    site, news_page, ready, test_backend, broadcast_engine, django_capture_on_commit_callbacks
):
    now = timezone.localtime()
    whatsapp = WhatsAppSettings.for_site(site)
    whatsapp.quiet_hours_start = (now - timedelta(hours=1)).time()
    whatsapp.quiet_hours_end = (now + timedelta(hours=2)).time()
    whatsapp.save()
    ordinary = broadcast_engine.start_broadcast(news_page, at=local_time(hours=1))
    urgent = broadcast_engine.start_broadcast(news_page, at=local_time(hours=1), urgent=True)

    the_time_comes(django_capture_on_commit_callbacks, ordinary, urgent)
    assert ordinary.status == Broadcast.Status.SCHEDULED  # held: it is night for the town
    assert urgent.status == Broadcast.Status.DONE
    assert len(test_backend.sent) == 5

    whatsapp.quiet_hours_end = (now - timedelta(minutes=30)).time()  # the quiet hours are over
    whatsapp.save()
    the_time_comes(django_capture_on_commit_callbacks, ordinary)
    assert ordinary.status == Broadcast.Status.DONE and len(test_backend.sent) == 10


def test_the_daily_limit_paces_it_as_a_broadcast_started_now(
    site, news_page, ready, test_backend, settings, broadcast_engine, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "MESSAGING_LIMIT": 2}
    broadcast = broadcast_engine.start_broadcast(news_page, at=local_time(days=1))
    the_time_comes(django_capture_on_commit_callbacks, broadcast)
    assert broadcast.status == Broadcast.Status.PAUSED and broadcast.resume_at is not None
    assert "2 people a day" in broadcast.status_reason
    assert len(test_backend.sent) == 4  # 2 free-form (inside the window) + 2 templates: the day's places


def test_a_page_unpublished_meanwhile_is_not_sent_and_the_history_says_why(
    client, sender, news_page, ready, test_backend, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    schedule(client, news_page, local_time(days=1))
    broadcast = Broadcast.objects.get()
    news_page.unpublish()
    the_time_comes(django_capture_on_commit_callbacks, broadcast)
    assert broadcast.status == Broadcast.Status.FAILED and test_backend.sent == []
    assert "Only a published page can be sent." in broadcast.status_reason
    assert "Only a published page can be sent." in history(news_page, "broadcast_not_started").get().message
    report = client.get(reverse("wagtail_whatsapp_admin:broadcast_report", args=[broadcast.pk])).content.decode()
    assert "Not sent at the scheduled time" in report


def test_over_the_budget_at_its_time_it_goes_only_if_that_was_confirmed(
    site, news_page, ready, test_backend, broadcast_engine, django_capture_on_commit_callbacks
):
    unconfirmed = broadcast_engine.start_broadcast(news_page, at=local_time(days=1))
    confirmed = broadcast_engine.start_broadcast(news_page, at=local_time(days=1), exceed_budget=True)
    whatsapp = WhatsAppSettings.for_site(site)
    whatsapp.monthly_budget = Decimal("0.01")  # lowered after scheduling: 3 template messages cost more
    whatsapp.save()
    the_time_comes(django_capture_on_commit_callbacks, unconfirmed)
    assert unconfirmed.status == Broadcast.Status.FAILED and "monthly budget" in unconfirmed.status_reason
    the_time_comes(django_capture_on_commit_callbacks, confirmed)
    assert confirmed.status == Broadcast.Status.DONE and len(test_backend.sent) == 5
    assert "monthly budget" in history(news_page, "broadcast").get().data["over_budget"]


def test_in_the_quiet_hours_the_choices_say_when_now_is(client, sender, site, news_page, ready):
    now = timezone.localtime()
    whatsapp = WhatsAppSettings.for_site(site)
    whatsapp.quiet_hours_start = (now - timedelta(hours=1)).time()
    whatsapp.quiet_hours_end = (now + timedelta(hours=2)).time()
    whatsapp.save()
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    assert f"At {now + timedelta(hours=2):%H:%M}, when the quiet hours end" in html and "Schedule for…" in html
    # A time chosen in the quiet hours waits for their end, and the editor is told when it will start.
    response = schedule(client, news_page, local_time(minutes=30), follow=True)
    assert f"it will start at {now + timedelta(hours=2):%H:%M}, when they end" in response.content.decode()
    assert Broadcast.objects.get().status == Broadcast.Status.SCHEDULED


# --- From a shell ----------------------------------------------------------------------------------------------------


def test_the_command_schedules_with_at_in_local_time_or_with_an_offset(news_page, ready, test_backend):
    moment = local_time(days=4)
    out = io.StringIO()
    call_command("whatsapp_broadcast", str(news_page.pk), "--yes", "--at", typed(moment), stdout=out)
    broadcast = Broadcast.objects.get()
    assert broadcast.status == Broadcast.Status.SCHEDULED and broadcast.scheduled_for == moment
    assert f"scheduled for {typed(moment)}" in out.getvalue() and test_backend.sent == []
    assert history(news_page, "broadcast_scheduled").get().user is None

    # ISO 8601 with an offset: the same moment, whatever the zone it was written in.
    brazil = datetime.timezone(timedelta(hours=-3))
    elsewhere = (timezone.now() + timedelta(days=5)).astimezone(brazil).replace(second=0, microsecond=0)
    call_command("whatsapp_broadcast", str(news_page.pk), "--yes", "--at", elsewhere.isoformat(), stdout=out)
    second = Broadcast.objects.exclude(pk=broadcast.pk).get()
    assert second.scheduled_for == elsewhere and second.status == Broadcast.Status.SCHEDULED


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("domani", "is not a date and time"),
        ("2026-12-24", "is not a date and time"),
        ("24/12/2026 09:00", "is not a date and time"),
        ("2020-01-01 09:00", "Choose a time in the future."),
        ("2999-01-01 09:00", "at most 60 days ahead"),
    ],
)
def test_the_command_refuses_a_bad_time(news_page, ready, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("whatsapp_broadcast", str(news_page.pk), "--yes", "--at", value, stdout=io.StringIO())
    assert not Broadcast.objects.exists()


def test_the_command_does_not_wait_for_a_scheduled_broadcast(news_page, ready):
    with pytest.raises(CommandError, match="--wait goes without --at"):
        call_command("whatsapp_broadcast", str(news_page.pk), "--yes", "--wait", "--at", typed(local_time(days=1)))
