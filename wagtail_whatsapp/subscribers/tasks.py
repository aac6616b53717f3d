"""Huey tasks of the subscribers' data: the nightly retention."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from wagtail_whatsapp.subscribers.retention import apply_retention


@db_periodic_task(crontab(hour="3", minute="17"))
def apply_retention_task():
    """Every night: delete inbox messages and unlink delivery numbers older than each site's retention settings."""
    apply_retention()
