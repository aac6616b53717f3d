"""Periodic Huey tasks of the outbound road: broadcasts that stalled, waited for the daily limit or for an urgent
alert go on, scheduled broadcasts start at their time, and the message templates stay in step with Meta."""

import logging

from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from wagtail_whatsapp import conf
from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.outbound.broadcasts import resume_after_urgent_alerts, resume_due_broadcasts
from wagtail_whatsapp.outbound.queue import send_broadcast_task
from wagtail_whatsapp.outbound.schedule import stalled_broadcasts
from wagtail_whatsapp.outbound.scheduled_broadcasts import start_due_broadcasts
from wagtail_whatsapp.outbound.templates import sync_templates

logger = logging.getLogger(__name__)


def resume_stalled():
    """Queue again every broadcast whose sender died (SIGKILL, reboot): it goes on where it stopped."""
    for broadcast_id in stalled_broadcasts().values_list("pk", flat=True):
        send_broadcast_task(broadcast_id)


@db_periodic_task(crontab(minute="*"))
def resume_stalled_broadcasts_task():
    # Every minute, from the rows alone: what a restarted consumer or a moved time needs (no task waits in the queue).
    resume_stalled()
    resume_due_broadcasts()
    resume_after_urgent_alerts()
    start_due_broadcasts()


@on_startup()
def resume_stalled_broadcasts_on_startup():
    # A consumer that starts after a crash need not wait for the minute: resume what was cut short.
    try:
        resume_stalled()
    finally:
        close_old_connections()


@db_periodic_task(crontab(minute="17"))
def sync_templates_periodically():
    """Hourly: Meta's management calls are limited to 200 an hour per WABA, so a sync (a few pages) fits easily."""
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
