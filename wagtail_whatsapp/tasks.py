"""Huey tasks. Each area keeps its tasks in one block below."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

logger = logging.getLogger(__name__)


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


# --- end of message templates --------------------------------------------------------------------------------------


# --- Broadcasts (sending.py) ------------------------------------------------------------------------------------------


@db_task()
def send_broadcast_task(broadcast_id):
    from .sending import send_broadcast

    send_broadcast(broadcast_id)


def resume_stalled():
    """Queue again every broadcast whose sender died (SIGKILL, reboot): it goes on where it stopped."""
    from .sending import stalled_broadcasts

    for broadcast_id in stalled_broadcasts().values_list("pk", flat=True):
        send_broadcast_task(broadcast_id)


@db_periodic_task(crontab(minute="*"))
def resume_stalled_broadcasts_task():
    resume_stalled()


@on_startup()
def resume_stalled_broadcasts_on_startup():
    # A consumer that starts after a crash need not wait for the minute: resume what was cut short.
    from django.db import close_old_connections

    try:
        resume_stalled()
    finally:
        close_old_connections()


# --- end of broadcasts ------------------------------------------------------------------------------------------------
