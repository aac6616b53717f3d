"""Stored webhook events (inbound messages, status updates) are handled once: claimed, then processed.

A claim is a conditional UPDATE of ``processed_at``, so two workers never handle the same event. When the handling
fails (a database locked for too long, a bug met by one odd message) the claim is given back, and the minute's
``process_stale_events`` task tries again: a citizen's ISCRIVIMI is never lost to a passing fault. An event that
keeps failing is given up after ``MAX_ATTEMPTS`` tries, so one bad message cannot fill the log forever.
"""

import logging

from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def claim(event):
    """True when ``event`` was unclaimed and is now ours to handle."""
    updated = (
        type(event)
        .objects.filter(pk=event.pk, processed_at__isnull=True)
        .update(processed_at=timezone.now(), processing_attempts=F("processing_attempts") + 1)
    )
    return updated == 1


def handle_claimed(events, handle, what):
    """Claim each event of ``events`` and call ``handle(event)``; a failure gives the claim back (see above)."""
    for event in events:
        if not claim(event):
            continue
        try:
            handle(event)
        except Exception:
            give_back(event, what)


def give_back(event, what):
    """Called from an ``except`` block: log the failure and release the claim while tries are left."""
    model = type(event)
    try:
        attempts = model.objects.filter(pk=event.pk).values_list("processing_attempts", flat=True).first() or 0
        if attempts >= MAX_ATTEMPTS:
            logger.exception("WhatsApp: %s %s failed %s times; given up", what, event.pk, attempts)
            return
        model.objects.filter(pk=event.pk).update(processed_at=None)
    except Exception:
        logger.exception("WhatsApp: %s %s failed, and could not be released for another try", what, event.pk)
        return
    logger.warning(
        "WhatsApp: %s %s failed (try %s of %s); tried again soon", what, event.pk, attempts, MAX_ATTEMPTS, exc_info=True
    )
