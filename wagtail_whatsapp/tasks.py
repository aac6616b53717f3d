"""Huey tasks. Each area keeps its tasks in one block below."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

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
