"""Huey tasks. Each feature keeps its tasks in its own block below."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

# --- Running the service (issue 7): retention ----------------------------------------------------------------------


@db_periodic_task(crontab(hour="3", minute="17"))
def apply_retention_task():
    """Every night: delete inbox messages and unlink delivery numbers older than each site's retention settings."""
    from .retention import apply_retention

    apply_retention()


# --- end of issue 7 block --------------------------------------------------------------------------------------------
