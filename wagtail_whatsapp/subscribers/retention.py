"""Retention (Settings → WhatsApp → Retention): old inbox messages go (and their audit-log details), old deliveries
forget their recipient, old status webhooks and old replies go.

Run daily by the Huey task ``apply_retention_task`` (subscribers/tasks.py); a plain function so tests and cron can
call it.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from wagtail.models import Site

from wagtail_whatsapp.models import Delivery, InboundMessage, Reply, StatusUpdate, WhatsAppSettings
from wagtail_whatsapp.subscribers.forgetting import forget_log_entries

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
        old_messages = InboundMessage.objects.filter(site=site, received_at__lt=inbox_limit)
        old_ids = list(old_messages.values_list("pk", flat=True))
        deleted, _by_model = old_messages.delete()
        result.messages_deleted += deleted
        # Their audit-log lines keep who moderated and when, not the masked sender nor a reason quoting them.
        forget_log_entries(InboundMessage, old_ids)
        delivery_limit = now - timedelta(days=max(1, wa_settings.delivery_retention_days))
        # A delivery keeps its status (the broadcast's report still adds up) but no longer says who received it:
        # neither the link nor Meta's wamid, which encodes the number.
        result.deliveries_anonymised += (
            Delivery.objects.filter(broadcast__site=site, created_at__lt=delivery_limit)
            .filter(Q(subscriber__isnull=False) | ~Q(wamid=""))
            .update(subscriber=None, wamid="")
        )
        # A reply that old was settled long ago (or its 24-hour window closed): it no longer says anything useful.
        Reply.objects.filter(site=site, created_at__lt=delivery_limit).delete()
        # Old status webhooks go whole: their wamid, recipient, payload and error texts all name the citizen, and
        # Meta stops retrying a status after a few days.
        StatusUpdate.objects.filter(site=site, received_at__lt=delivery_limit).delete()
    logger.info(
        "Retention: %s messages deleted, %s deliveries anonymised",
        result.messages_deleted,
        result.deliveries_anonymised,
    )
    return result
