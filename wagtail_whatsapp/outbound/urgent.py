"""Urgent alerts (civil protection) go first: the other broadcasts of the same sending number step aside for them.

An urgent broadcast (``Broadcast.urgent``, permission ``send_urgent``):

- goes to every active subscriber, whatever the topics they chose: a filter by topics must leave an urgent
  broadcast alone (``reaches_everyone``), so that nobody misses a civil-protection notice;
- ignores the site's quiet hours (``schedule.held_by_quiet_hours``);
- carries a UTILITY template of the family when Meta approved one (``template_family.family(..., urgent=True)``);
- jumps ahead of the broadcasts running on the same number, which share its pace and its daily limit: their senders
  are paused by the urgent sender's start (``make_way``), and a sender that starts meanwhile checks ``urgent_ahead``
  between claims and pauses with ``yield_to`` (a reason of their own, not the editor's pause),
  and ``resume_released`` puts them back in the queue once no urgent broadcast of theirs is queued or sending. The
  urgent broadcast's task calls it when its sender returns, and the minute's periodic task calls it again, so a
  crash or a cancel never leaves them paused.

This module reads and writes rows only; whoever calls ``resume_released`` queues the broadcasts it returns.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from wagtail_whatsapp.models import Broadcast, WhatsAppSettings

logger = logging.getLogger(__name__)

RUNNING = (Broadcast.Status.QUEUED, Broadcast.Status.SENDING)


def reaches_everyone(broadcast):
    """True when ``broadcast`` goes to every active subscriber, whatever their topics: the rule for urgent alerts."""
    return bool(broadcast.urgent)


def urgent_ahead(broadcast_id, phone_number_id):
    """The pk of an urgent broadcast queued or sending from ``phone_number_id`` that ``broadcast_id`` must make
    way for, or None (an urgent broadcast makes way for nobody)."""
    # Every sender asks every two seconds, and nearly always no urgent broadcast is running anywhere: one query then.
    running = list(
        Broadcast.objects.filter(urgent=True, status__in=RUNNING)
        .exclude(pk=broadcast_id)
        .order_by("created_at", "pk")
        .values_list("pk", "site_id")
    )
    if not running or Broadcast.objects.filter(pk=broadcast_id, urgent=True).exists():
        return None
    same_number = set(WhatsAppSettings.site_ids_sending_from(phone_number_id))
    return next((pk for pk, site_id in running if site_id in same_number), None)


def make_way(urgent_id, phone_number_id):
    """When the urgent broadcast starts: pause the other broadcasts sending from its number at once (each of their
    messages reads the status shortly before its call — a tenth of a second at most, ``feeding.py`` — so none goes
    out later than that after this); returns how many paused."""
    return Broadcast.objects.filter(
        status=Broadcast.Status.SENDING,
        urgent=False,
        site_id__in=WhatsAppSettings.site_ids_sending_from(phone_number_id),
    ).update(status=Broadcast.Status.PAUSED, status_reason=pause_reason(), yielded_to=urgent_id)


def yield_to(broadcast_id, urgent_id):
    """Pause a sending broadcast for the urgent one; True when this call paused it."""
    return bool(
        Broadcast.objects.filter(pk=broadcast_id, status=Broadcast.Status.SENDING).update(
            status=Broadcast.Status.PAUSED, status_reason=pause_reason(), yielded_to=urgent_id
        )
    )


def pause_reason():
    return _("Paused for an urgent alert: it goes on by itself once the alert has been sent.")


def resume_released():
    """Queue again (status only) every broadcast paused for an urgent broadcast that no longer runs (done, cancelled,
    paused, failed or deleted); returns their pks for the caller to enqueue."""
    still_urgent = Broadcast.objects.filter(urgent=True, status__in=RUNNING).values("pk")
    released = Broadcast.objects.filter(status=Broadcast.Status.PAUSED, yielded_to__isnull=False).exclude(
        yielded_to__in=still_urgent
    )
    resumed = []
    with transaction.atomic():
        for pk in released.values_list("pk", flat=True):
            # Conditional: an editor's cancel, or another consumer's resume, in between wins.
            moved = Broadcast.objects.filter(pk=pk, status=Broadcast.Status.PAUSED, yielded_to__isnull=False).update(
                status=Broadcast.Status.QUEUED, status_reason="", yielded_to=None
            )
            if moved:
                resumed.append(pk)
    if resumed:
        logger.info("WhatsApp: broadcasts %s go on after an urgent alert", resumed)
    return resumed
