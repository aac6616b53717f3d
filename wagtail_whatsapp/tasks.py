"""Huey tasks. Each area keeps its tasks in one block below.

Webhook: the slow half of the webhook (replies, bookkeeping, signals), run by the consumer, never by the view.

Each task takes plain values (wamids, dicts) so a queued task survives a restart, and each is safe to run twice: the
stored events are claimed one by one (``processed_at``) before anything is sent.
"""

import datetime
import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from .backends.sandbox import feed_sandbox_statuses  # noqa: F401  (registers the sandbox's task with the consumer)

logger = logging.getLogger(__name__)


@db_task()
def process_inbound_messages(wamids):
    from .subscriptions import process_pending_messages

    process_pending_messages(wamids)


@db_task()
def process_status_updates(wamids):
    from .deliveries import process_pending_statuses

    process_pending_statuses(wamids)


STALE_AFTER = datetime.timedelta(minutes=2)
STALE_BATCH = 500


@db_periodic_task(crontab(minute="*"))
def process_stale_events():
    """The stored events are the truth, the queue only a nudge: pick up any event whose task was lost (a queue
    restarted without its data, a crash between storing and enqueueing). The claim keeps it from running twice."""
    from django.utils import timezone

    from .deliveries import process_pending_statuses
    from .event_claims import release_abandoned
    from .models import InboundMessage, StatusUpdate
    from .subscriptions import process_pending_messages

    cutoff = timezone.now() - STALE_AFTER
    for model, process in ((InboundMessage, process_pending_messages), (StatusUpdate, process_pending_statuses)):
        release_abandoned(model)
        stale = model.objects.filter(processed_at__isnull=True, received_at__lt=cutoff).order_by("pk")
        wamids = list(stale.values_list("wamid", flat=True)[:STALE_BATCH])
        if wamids:
            logger.warning("WhatsApp: processing %s stored %s whose task was lost", len(wamids), model.__name__)
            process(wamids)


@db_task()
def process_preference_changes(preferences):
    from .subscriptions import apply_preference_change

    for preference in preferences:
        try:
            apply_preference_change(preference)
        except Exception:
            logger.exception("WhatsApp: a user_preferences change could not be applied")


@db_task()
def process_changes(changes):
    """Pass on every change the plugin does not handle itself (template updates, account errors...)."""
    from wagtail.models import Site

    from .notify import send_signal
    from .signals import change_received

    sites = Site.objects.in_bulk({change["site_id"] for change in changes if change.get("site_id")})
    for change in changes:
        site = sites.get(change.get("site_id"))
        send_signal(change_received, Site, field=change["field"], value=change["value"], site=site)


# --- Message templates (message_templates.py) --------------------------------------------------------------------


@db_periodic_task(crontab(minute="17"))
def sync_templates_periodically():
    """Hourly: Meta's management calls are limited to 200 an hour per WABA, so a sync (a few pages) fits easily."""
    from . import conf
    from .backends.base import WhatsAppError
    from .message_templates import sync_templates

    if not conf.get("WABA_ID"):
        logger.info("Template sync skipped: no WABA_ID configured")
        return None
    try:
        return sync_templates()
    except NotImplementedError:
        logger.info("Template sync skipped: the backend cannot list templates")
    except WhatsAppError as exc:
        logger.warning("Template sync failed: %r", exc)
    return None


# --- Retention (retention.py) --------------------------------------------------------------------------------------


@db_periodic_task(crontab(hour="3", minute="17"))
def apply_retention_task():
    """Every night: delete inbox messages and unlink delivery numbers older than each site's retention settings."""
    from .retention import apply_retention

    apply_retention()


# --- Broadcasts (sending.py) ------------------------------------------------------------------------------------------


@db_task()
def send_broadcast_task(broadcast_id):
    from .broadcast_schedule import quiet_hours_delay
    from .sending import send_broadcast

    delay = quiet_hours_delay(broadcast_id)
    if delay:  # no broadcast starts in the site's quiet hours: come back when they end
        send_broadcast_task.schedule(args=(broadcast_id,), delay=delay)
        return
    send_broadcast(broadcast_id)


def resume_stalled():
    """Queue again every broadcast whose sender died (SIGKILL, reboot): it goes on where it stopped."""
    from .broadcast_schedule import stalled_broadcasts

    for broadcast_id in stalled_broadcasts().values_list("pk", flat=True):
        send_broadcast_task(broadcast_id)


@db_periodic_task(crontab(minute="*"))
def resume_stalled_broadcasts_task():
    from .messaging_limit import resume_due_broadcasts

    resume_stalled()
    resume_due_broadcasts()


@on_startup()
def resume_stalled_broadcasts_on_startup():
    # A consumer that starts after a crash need not wait for the minute: resume what was cut short.
    from django.db import close_old_connections

    try:
        resume_stalled()
    finally:
        close_old_connections()


# --- end of broadcasts ------------------------------------------------------------------------------------------------
