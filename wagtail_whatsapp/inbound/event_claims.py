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

A webhook's statuses are handled as a batch instead (``claim_handled``): claimed and marked handled in the same
transaction as their work, so a batch rolled back was never claimed, and ``count_failed_batch`` counts the try that
sends its events one by one through the path above.
"""

import logging
import time
from datetime import timedelta

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


def claim_handled(model, pks, fields):
    """In the caller's transaction, claim every event among ``pks`` never tried nor claimed, marked handled at once
    (the transaction makes claiming and handling one step: rolled back, neither happened); returns them as named rows
    of ``fields``. One UPDATE, then one SELECT of the rows stamped with this call's time.

    The UPDATE comes first, so the transaction holds the rows (PostgreSQL) or the write lock (SQLite) before the
    SELECT reads back the claims."""
    if not pks:
        return []
    stamp = timezone.now()
    model.objects.filter(pk__in=pks, processed_at__isnull=True, processing_attempts=0).update(
        processed_at=stamp, handled_at=stamp, processing_attempts=1
    )
    return list(model.objects.filter(pk__in=pks, processed_at=stamp).values_list(*fields, named=True))


def count_failed_batch(model, pks, what):
    """Called from an ``except`` block after the transaction of a batch was rolled back (``claim_handled``): its events
    count one failed try, so that the minute's ``process_stale_events`` takes them again, one by one."""
    try:
        model.objects.filter(pk__in=pks, processed_at__isnull=True, processing_attempts=0).update(processing_attempts=1)
    except Exception:
        # Still never tried, as far as the database knows: picked up as lost after STALE_AFTER, as a batch again.
        logger.exception("WhatsApp: %s %s failed, and could not be marked for another try", len(pks), what)
        return
    logger.warning("WhatsApp: %s %s failed together; tried again soon, one by one", len(pks), what, exc_info=True)
