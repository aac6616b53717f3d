"""Quiet hours on the confirmation page: the button says when the broadcast starts, and an urgent notice (civil
protection) goes at once only for holders of ``send_urgent``, who tick it explicitly; from a shell, ``--urgent``."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry
from wagtail.users.models import UserProfile

from tests.broadcast_admin import approved_template, make_subscribers, make_user
from wagtail_whatsapp.models import Broadcast, SandboxMessage, WhatsAppSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_hours(site):
    """Quiet hours right now, ending in two hours; yields the local end time as the page writes it."""
    now = timezone.localtime()
    whatsapp = WhatsAppSettings.for_site(site)
    whatsapp.quiet_hours_start = (now - timedelta(hours=1)).time()
    whatsapp.quiet_hours_end = (now + timedelta(hours=2)).time()
    whatsapp.save()
    yield f"{now + timedelta(hours=2):%H:%M}"
    from huey.contrib.djhuey import HUEY

    HUEY.storage.flush_schedule()


@pytest.fixture
def ready(site, broadcast_engine):
    make_subscribers(site, outside_window=3, inside_window=2)
    return approved_template(site)


@pytest.fixture
def civil_protection(django_user_model, site):
    return make_user(django_user_model, site, "protezione", ["send_broadcast", "send_urgent"])


def confirm_url(page):
    return reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[page.pk])


def outbox():
    return SandboxMessage.objects.filter(direction="out")


def test_in_the_quiet_hours_the_button_schedules(client, sender, news_page, ready, quiet_hours):
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    assert f"Schedule for {quiet_hours}: 5 subscribers" in html
    assert "subscribers now" not in html
    assert 'name="urgent"' not in html  # no override without send_urgent


def test_the_button_and_the_box_say_it_in_italian(client, civil_protection, news_page, ready, quiet_hours):
    profile = UserProfile.get_for_user(civil_protection)
    profile.preferred_language = "it"
    profile.save()
    client.force_login(civil_protection)
    html = client.get(confirm_url(news_page)).content.decode()
    assert f"Programma per le {quiet_hours}: 5 iscritti" in html
    assert "Invia ora" not in html
    assert "Urgente (protezione civile)" in html
    assert "Invia subito, urgente: 5 iscritti" in html  # the label the box's script shows once ticked


def test_outside_the_quiet_hours_the_button_sends_now(client, civil_protection, news_page, ready):
    client.force_login(civil_protection)
    html = client.get(confirm_url(news_page)).content.decode()
    # The urgent box is offered at any time (it also goes ahead of the number's other broadcasts: test_urgent_alerts).
    assert "Send to 5 subscribers now" in html and 'name="urgent"' in html


def test_a_scheduled_broadcast_waits_for_the_end_of_the_quiet_hours(
    client, sender, news_page, ready, quiet_hours, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(news_page), {}, follow=True)
    broadcast = Broadcast.objects.get()
    assert broadcast.status == Broadcast.Status.QUEUED and not broadcast.urgent
    assert not outbox().exists()
    assert f"to 5 subscribers at {quiet_hours}, when the quiet hours end" in response.content.decode()


def test_an_urgent_broadcast_goes_at_once_in_the_quiet_hours(
    client, civil_protection, news_page, ready, quiet_hours, django_capture_on_commit_callbacks
):
    client.force_login(civil_protection)
    html = client.get(confirm_url(news_page)).content.decode()
    assert 'name="urgent"' in html and "Urgent (civil protection)" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(news_page), {"urgent": "on"})
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.urgent and broadcast.created_by == civil_protection
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE
    assert outbox().values("recipient").distinct().count() == 5
    entry = PageLogEntry.objects.get(page=news_page, action="wagtail_whatsapp.broadcast")
    assert entry.data["urgent"] is True
    report = client.get(reverse("wagtail_whatsapp_admin:broadcast_report", args=[broadcast.pk])).content.decode()
    assert "<strong data-urgent>Urgent: sent at once, even in the quiet hours</strong>" in report
    assert "(urgent: at once, even in the quiet hours)" in entry.message  # the page's history says so


def test_a_forged_urgent_post_without_the_permission_is_refused(client, sender, news_page, ready, quiet_hours):
    client.force_login(sender)
    response = client.post(confirm_url(news_page), {"urgent": "on"})
    assert response.status_code == 403
    assert "permission to send urgent broadcasts" in response.content.decode()
    assert not Broadcast.objects.exists()


def test_the_command_sends_urgent_broadcasts_with_urgent(
    news_page, ready, quiet_hours, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("whatsapp_broadcast", str(news_page.pk), "--yes", stdout=out)
    scheduled = Broadcast.objects.get()
    assert not scheduled.urgent and scheduled.status == Broadcast.Status.QUEUED
    assert f"scheduled for {quiet_hours}, when the quiet hours end" in out.getvalue()
    scheduled.delete()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("whatsapp_broadcast", str(news_page.pk), "--yes", "--urgent", stdout=out)
    urgent = Broadcast.objects.get()
    urgent.refresh_from_db()
    assert urgent.urgent and urgent.status == Broadcast.Status.DONE
    assert "queued (urgent)" in out.getvalue()


def test_an_urgent_broadcast_paused_for_the_daily_limit_goes_on_in_the_quiet_hours(
    site, news_page, ready, quiet_hours, broadcast_engine
):
    past = timezone.now() - timedelta(minutes=1)
    common = {"site": site, "page": news_page, "title": "x", "message": "x", "status": Broadcast.Status.PAUSED}
    urgent = Broadcast.objects.create(urgent=True, resume_at=past, **common)
    ordinary = Broadcast.objects.create(resume_at=past, **common)
    broadcast_engine.resume_due_broadcasts()
    urgent.refresh_from_db(), ordinary.refresh_from_db()
    assert urgent.status == Broadcast.Status.QUEUED
    assert ordinary.status == Broadcast.Status.PAUSED
