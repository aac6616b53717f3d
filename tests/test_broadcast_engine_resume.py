"""A broadcast whose consumer died is queued again (at the next consumer start, or by the minute task)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp import tasks
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.broadcasts import fan_out, start_broadcast
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.sending import send_broadcast

pytestmark = pytest.mark.django_db


def test_a_broadcast_whose_sender_stopped_beating_is_resumed(site, recording_backend):
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
    assert len(recording_backend.sent) == 3  # the one sent before the crash is not sent again
    # A broadcast whose sender is alive (fresh heartbeat) is left to it.
    assert Broadcast.objects.get(pk=alive.pk).status == Broadcast.Status.SENDING


def test_a_broadcast_where_every_message_fails_ends_as_failed(site, recording_backend):
    subscribers(site, 2, in_window=2)
    broadcast = start_broadcast(news_page(site))
    for number in ("393330000000", "393330000001"):
        recording_backend.faults[number] = [WhatsAppError("Undeliverable", kind=ErrorKind.RECIPIENT, code=131026)]
    assert send_broadcast(broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.FAILED and broadcast.failed_count == 2
