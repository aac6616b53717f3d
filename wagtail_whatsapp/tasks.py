"""Huey tasks. Each part of the plugin keeps its tasks in its own block below."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

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
