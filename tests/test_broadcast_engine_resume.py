"""A broadcast whose consumer died is queued again (at the next consumer start, or by the minute task)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound import tasks
from wagtail_whatsapp.outbound.broadcasts import start_broadcast
from wagtail_whatsapp.outbound.delivery_claims import fan_out
from wagtail_whatsapp.outbound.sender import send_broadcast

pytestmark = pytest.mark.django_db


def test_a_broadcast_whose_sender_stopped_beating_is_resumed(site, test_backend):
    subscribers(site, 4, in_window=4)
    stalled = start_broadcast(news_page(site))
    fan_out(stalled)
    first = Delivery.objects.filter(broadcast=stalled).order_by("pk").first()
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SENT, wamid="wamid.BEFORE")
    Broadcast.objects.filter(pk=stalled.pk).update(
        status=Broadcast.Status.SENDING, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    alive = start_broadcast(news_page(site, title="Altra notizia"))
    Broadcast.objects.filter(pk=alive.pk).update(status=Broadcast.Status.SENDING, heartbeat_at=timezone.now())

    tasks.resume_stalled()  # what a starting consumer and the minute task do

    stalled.refresh_from_db()
    assert stalled.status == Broadcast.Status.DONE
    assert len(test_backend.sent) == 3  # the one sent before the crash is not sent again
    # A broadcast whose sender is alive (fresh heartbeat) is left to it.
    assert Broadcast.objects.get(pk=alive.pk).status == Broadcast.Status.SENDING


def test_a_broadcast_where_every_message_fails_ends_as_failed(site, test_backend):
    subscribers(site, 2, in_window=2)
    broadcast = start_broadcast(news_page(site))
    for number in ("393330000000", "393330000001"):
        test_backend.faults[number] = [WhatsAppError("Undeliverable", kind=ErrorKind.RECIPIENT, code=131026)]
    assert send_broadcast(broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.FAILED and broadcast.failed_count == 2


def test_no_broadcast_starts_in_quiet_hours(site, test_backend, django_capture_on_commit_callbacks):
    from huey.contrib.djhuey import HUEY

    from wagtail_whatsapp.models import WhatsAppSettings
    from wagtail_whatsapp.outbound.plan import plan_broadcast

    now = timezone.localtime()
    settings = WhatsAppSettings.for_site(site)
    settings.quiet_hours_start = (now - timedelta(hours=1)).time()
    settings.quiet_hours_end = (now + timedelta(hours=2)).time()
    settings.save()
    subscribers(site, 2, in_window=2)
    page = news_page(site)
    assert "quiet hours" in str(plan_broadcast(page).warnings)
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = start_broadcast(page)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.QUEUED and test_backend.sent == []
    [scheduled] = [task for task in HUEY.scheduled() if task.args == (broadcast.pk,)]
    assert 7000 < (scheduled.eta - timezone.now().replace(tzinfo=None)).total_seconds() < 7300
    HUEY.storage.flush_schedule()
