"""Retention (Settings → WhatsApp → Retention): old inbox messages go, old deliveries forget their number, old
replies go.

Run daily by the Huey task ``apply_retention_task`` (subscribers/tasks.py); a plain function so tests and cron can
call it.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from wagtail.models import Site

from wagtail_whatsapp.models import Delivery, InboundMessage, Reply, StatusUpdate, WhatsAppSettings

logger = logging.getLogger(__name__)


@dataclass
class RetentionResult:
    messages_deleted: int = 0
    deliveries_anonymised: int = 0


def apply_retention():
    now = timezone.now()
    result = RetentionResult()
    for site in Site.objects.all():
        wa_settings = WhatsAppSettings.for_site(site)
        inbox_limit = now - timedelta(days=max(1, wa_settings.inbox_retention_days))
        deleted, _by_model = InboundMessage.objects.filter(site=site, received_at__lt=inbox_limit).delete()
        result.messages_deleted += deleted
        delivery_limit = now - timedelta(days=max(1, wa_settings.delivery_retention_days))
        # A delivery keeps its status (the broadcast's report still adds up) but no longer says who received it.
        result.deliveries_anonymised += Delivery.objects.filter(
            broadcast__site=site, created_at__lt=delivery_limit, subscriber__isnull=False
        ).update(subscriber=None)
        StatusUpdate.objects.filter(site=site, received_at__lt=delivery_limit).exclude(recipient_id="").update(
            recipient_id=""
        )
        # A reply that old was settled long ago (or its 24-hour window closed): it no longer says anything useful.
        Reply.objects.filter(site=site, created_at__lt=delivery_limit).delete()
    logger.info(
        "Retention: %s messages deleted, %s deliveries anonymised",
        result.messages_deleted,
        result.deliveries_anonymised,
    )
    return result
