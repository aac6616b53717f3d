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

from django.db import connection
from django.db.models import F
from django.db.models.utils import create_namedtuple_class
from django.utils import timezone

from wagtail_whatsapp.server_binding import id_condition, id_params, server_bound_cursor

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
    of ``fields``, in no particular order.

    One ``UPDATE … RETURNING``, written by hand: a webhook's hundred statuses come through here, and the ORM (an
    UPDATE, then a SELECT of the rows it stamped) spent longer preparing the two statements' hundred ids than the
    database took to run them. On PostgreSQL the ids go as one array bound apart from the SQL (``server_binding.py``).
    """
    if not pks:
        return []
    meta, ops = model._meta, connection.ops
    stamp = meta.get_field("handled_at").get_db_prep_save(timezone.now(), connection)
    read = [meta.pk if name == "pk" else meta.get_field(name) for name in fields]
    column = {name: ops.quote_name(meta.get_field(name).column) for name in ("processed_at", "handled_at")}
    attempts = ops.quote_name(meta.get_field("processing_attempts").column)
    returning = ", ".join(ops.quote_name(field.column) for field in read)
    pks = set(pks)
    sql = (
        f"UPDATE {ops.quote_name(meta.db_table)} SET {column['processed_at']} = %s, {column['handled_at']} = %s, "  # noqa: S608
        f"{attempts} = 1 WHERE {ops.quote_name(meta.pk.column)} {id_condition(len(pks))} "
        f"AND {column['processed_at']} IS NULL AND {attempts} = 0 RETURNING {returning}"
    )
    with server_bound_cursor() as cursor:
        cursor.execute(sql, [stamp, stamp, *id_params(pks)])
        rows = cursor.fetchall()
    return _named_rows(model, fields, read, rows)


def _named_rows(model, names, fields, rows):
    """Rows as ``values_list(*names, named=True)`` gives them: each value converted from the database's as the ORM
    converts it (aware datetimes on SQLite, JSON decoded...), in the ORM's own row class (made once per ``names``)."""
    row_type = create_namedtuple_class(*names)
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    result = []
    for row in rows:
        row = list(row)
        for index, column, found in converters:
            for convert in found:
                row[index] = convert(row[index], column, connection)
        result.append(row_type(*row))
    return result


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
