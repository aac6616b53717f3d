"""Stored webhook events (inbound messages, status updates) are handled once: claimed, then processed.

A claim is a conditional UPDATE of ``processed_at``, so two workers never handle the same event. When the handling
fails (a database locked for too long, a bug met by one odd message) the claim is given back, and the minute's
``process_stale_events`` task tries again: a citizen's ISCRIVIMI is never lost to a passing fault. An event that
keeps failing is given up after ``MAX_ATTEMPTS`` tries, so one bad message cannot fill the log forever.

``handled_at`` marks an event done. A claim older than ``CLAIM_TIMEOUT`` without it was left by a worker that died
mid-way (out of memory, a power cut): ``release_abandoned`` gives it back too, and the periodic task runs it every
30 seconds, so a citizen's ISCRIVIMI waits a minute at most. The timeout can be that short because handling one event
is a few queries (replies are sent by their own task, owed_replies.py) and each event is claimed right before it is
handled; the marks of handled events are written within ``MARK_WITHIN``, so no finished event looks abandoned.
Handling an event twice is harmless (an ISCRIVIMI already recorded in the consent log, a status already applied,
change nothing; a message owes at most one reply).
"""

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(seconds=30)  # handling one event takes milliseconds; a claim this old is a dead worker's
MARK_EVERY = 100  # handled events are marked done in one UPDATE per this many...
MARK_WITHIN = 5.0  # ...or after this many seconds, whichever comes first


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
    model, handled, oldest = None, [], 0.0
    try:
        for event in events:
            if not claim(event):
                continue
            model = type(event)
            try:
                handle(event)
            except Exception:
                give_back(event, what)
            else:
                if not handled:
                    oldest = time.monotonic()
                handled.append(event.pk)
                if len(handled) >= MARK_EVERY or time.monotonic() - oldest >= MARK_WITHIN:
                    mark_handled(model, handled)
                    handled = []
    finally:
        if handled:
            mark_handled(model, handled)


def mark_handled(model, pks):
    model.objects.filter(pk__in=pks).update(handled_at=timezone.now())


def release_abandoned(model):
    """Give back the events a dead worker claimed and never finished; returns how many."""
    cutoff = timezone.now() - CLAIM_TIMEOUT
    abandoned = model.objects.filter(
        processed_at__lt=cutoff, handled_at__isnull=True, processing_attempts__lt=MAX_ATTEMPTS
    )
    released = abandoned.update(processed_at=None)
    if released:
        logger.warning("WhatsApp: %s %s left unfinished by a stopped worker; tried again", released, model.__name__)
    return released


def give_back(event, what):
    """Called from an ``except`` block: log the failure and release the claim while tries are left."""
    model = type(event)
    try:
        attempts = model.objects.filter(pk=event.pk).values_list("processing_attempts", flat=True).first() or 0
        if attempts >= MAX_ATTEMPTS:
            logger.exception("WhatsApp: %s %s failed %s times; given up", what, event.pk, attempts)
            mark_handled(model, [event.pk])
            return
        model.objects.filter(pk=event.pk).update(processed_at=None)
    except Exception:
        logger.exception("WhatsApp: %s %s failed, and could not be released for another try", what, event.pk)
        return
    logger.warning(
        "WhatsApp: %s %s failed (try %s of %s); tried again soon", what, event.pk, attempts, MAX_ATTEMPTS, exc_info=True
    )


def claim_all(events):
    """Claim at once every event of ``events`` still unclaimed (one UPDATE, one SELECT); returns those now ours.

    The UPDATE comes first, so the transaction holds the rows (PostgreSQL) or the write lock (SQLite) before the
    SELECT reads back the claims stamped with this call's time."""
    if not events:
        return []
    model, stamp = type(events[0]), timezone.now()
    pks = [event.pk for event in events]
    with transaction.atomic():
        model.objects.filter(pk__in=pks, processed_at__isnull=True).update(
            processed_at=stamp, processing_attempts=F("processing_attempts") + 1
        )
        ours = set(model.objects.filter(pk__in=pks, processed_at=stamp).values_list("pk", flat=True))
    for event in events:
        if event.pk in ours:
            event.processed_at, event.processing_attempts = stamp, event.processing_attempts + 1
    return [event for event in events if event.pk in ours]


def give_back_all(model, pks, what):
    """Called from an ``except`` block after a batch failed: release every claim of the batch for another try."""
    try:
        model.objects.filter(pk__in=pks, handled_at__isnull=True).update(processed_at=None)
    except Exception:
        logger.exception("WhatsApp: %s %s failed, and could not be released for another try", len(pks), what)
        return
    logger.warning("WhatsApp: %s %s failed together; tried again soon, one by one", len(pks), what, exc_info=True)
