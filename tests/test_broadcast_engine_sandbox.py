"""End to end on the sandbox backend: its status webhooks move deliveries forward and the counts follow."""

import pytest
from django.utils import timezone

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.inbound.statuses import apply_status_update
from wagtail_whatsapp.models import Broadcast, Delivery, SandboxMessage, StatusUpdate
from wagtail_whatsapp.outbound.broadcasts import start_broadcast
from wagtail_whatsapp.outbound.progress import progress_of as broadcast_progress

pytestmark = pytest.mark.django_db


def test_a_sandbox_broadcast_is_sent_delivered_and_read(site, settings, django_capture_on_commit_callbacks):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "MESSAGES_PER_SECOND": 5000}
    subscribers(site, 3, in_window=3)
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = start_broadcast(news_page(site))
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE
    assert SandboxMessage.objects.filter(direction=SandboxMessage.Direction.OUTGOING, message_type="text").count() == 3
    progress = broadcast_progress(broadcast)
    assert (progress["sent"], progress["delivered"], progress["read"]) == (3, 3, 3)
    assert (broadcast.sent_count, broadcast.delivered_count, broadcast.read_count) == (3, 3, 3)

    # A late, replayed "sent" status never moves a delivery backwards.
    delivery = Delivery.objects.filter(broadcast=broadcast).first()
    late = StatusUpdate(wamid=delivery.wamid, status="sent", timestamp=timezone.now(), callback_data="")
    assert apply_status_update(late) is False
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.READ
