"""When a broadcast may run: the site's quiet hours before it starts (unless it is urgent), and finding one whose
sender died."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from wagtail_whatsapp.models import Broadcast, WhatsAppSettings

# A running sender touches ``Broadcast.heartbeat_at`` this often; six beats missed and its consumer is taken as dead.
HEARTBEAT_EVERY = 5.0


def quiet_hours_end(site, now=None):
    """The local moment the site's quiet hours end, when ``now`` (default: now) falls in them; None otherwise.

    This is when a broadcast confirmed now starts, unless it is urgent (``Broadcast.urgent``)."""
    site_settings = WhatsAppSettings.for_site(site)
    local = timezone.localtime(now)
    if not site_settings.in_quiet_hours(local.time()):
        return None
    end = site_settings.quiet_hours_end
    start_at = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if start_at <= local:
        start_at += timedelta(days=1)
    return start_at


def held_by_quiet_hours(broadcast, now=None):
    """True when the site's quiet hours keep ``broadcast`` from going now: every broadcast but an urgent one."""
    return not broadcast.urgent and quiet_hours_end(broadcast.site, now) is not None


def quiet_hours_delay(broadcast_id):
    """Seconds until a queued, never started broadcast may start because of its site's quiet hours; 0: now."""
    broadcast = (
        Broadcast.objects.select_related("site")
        .filter(pk=broadcast_id, status=Broadcast.Status.QUEUED, started_at__isnull=True)
        .first()
    )
    if broadcast is None or broadcast.urgent:  # urgent: sent at once, the quiet hours notwithstanding
        return 0
    start_at = quiet_hours_end(broadcast.site)
    return (start_at - timezone.localtime()).total_seconds() if start_at else 0


def stalled_broadcasts():
    """Broadcasts marked "sending" whose sender stopped beating (its consumer was killed)."""
    cutoff = timezone.now() - timedelta(seconds=HEARTBEAT_EVERY * 6)
    return Broadcast.objects.filter(status=Broadcast.Status.SENDING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    )
