"""Huey tasks of the inbound road: the slow half of the webhook (replies, bookkeeping, signals), run by the consumer,
never by the view.

Each task takes plain values (row ids) so a queued task survives a restart, and each is safe to run twice: the
stored events are claimed one by one (``processed_at``) before anything is sent.
"""

import datetime
import logging

from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task
from wagtail.models import Site

from wagtail_whatsapp.inbound import confirmations, owed_replies
from wagtail_whatsapp.inbound.event_claims import CLAIM_TIMEOUT, release_abandoned
from wagtail_whatsapp.inbound.keyword_dispatch import process_pending_messages
from wagtail_whatsapp.inbound.notify import send_signal
from wagtail_whatsapp.inbound.preference_changes import apply_preference_change
from wagtail_whatsapp.inbound.statuses import process_pending_statuses
from wagtail_whatsapp.models import InboundMessage, StatusUpdate
from wagtail_whatsapp.signals import change_received

logger = logging.getLogger(__name__)


# Tasks carry database ids, never numbers, user ids, wamids or texts: erasing a citizen's rows (GDPR) leaves nothing
# of them in the queue.


@db_task()
def process_inbound_messages(pks):
    process_pending_messages(pks)


@db_task()
def process_status_updates(pks):
    process_pending_statuses(pks)


STALE_AFTER = datetime.timedelta(minutes=2)
STALE_BATCH = 500


@db_periodic_task(crontab(minute="*"))
def process_stale_events():
    """The stored events and owed replies are the truth, the queue only a nudge: pick up any event whose task was
    lost (a queue restarted without its data, a crash between storing and enqueueing) or whose worker died, and any
    reply due. Claims keep each from running twice. Huey's periodic tasks run once a minute; a second pass half-way
    through it means a claim left by a dead worker (``CLAIM_TIMEOUT``, 30 s) waits a minute at most."""
    recover_lost_work()
    recover_lost_work_again.schedule(delay=CLAIM_TIMEOUT.total_seconds())


@db_task()
def recover_lost_work_again():
    recover_lost_work()


def recover_lost_work():
    cutoff = timezone.now() - STALE_AFTER
    for model, process in ((InboundMessage, process_pending_messages), (StatusUpdate, process_pending_statuses)):
        release_abandoned(model)
        # Never claimed for a while (its task was lost), or claimed before and given back (a fault, a dead worker).
        lost_or_given_back = Q(received_at__lt=cutoff) | Q(processing_attempts__gt=0)
        stale = model.objects.filter(lost_or_given_back, processed_at__isnull=True).order_by("pk")
        pks = list(stale.values_list("pk", flat=True)[:STALE_BATCH])
        if pks:
            logger.warning("WhatsApp: processing %s stored %s again", len(pks), model.__name__)
            process(pks)
    owed_replies.send_due_replies()


@db_periodic_task(crontab(minute="*/5"))
def expire_subscription_requests():
    """Double opt-in: requests not confirmed within 24 hours go, and leave nothing of the citizen behind."""
    confirmations.expire_requests()


@db_task()
def process_preference_changes(preferences):
    for preference in preferences:
        try:
            apply_preference_change(preference)
        except Exception:
            logger.exception("WhatsApp: a user_preferences change could not be applied")


@db_task()
def process_changes(changes):
    """Pass on every change the plugin does not handle itself (template updates, account errors...)."""
    sites = Site.objects.in_bulk({change["site_id"] for change in changes if change.get("site_id")})
    for change in changes:
        site = sites.get(change.get("site_id"))
        send_signal(change_received, Site, field=change["field"], value=change["value"], site=site)
