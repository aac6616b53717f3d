"""A delivery's life on the sending side, one conditional UPDATE per step, so no two senders ever send it twice.

pending ──claim──▶ sending ──▶ sent        (a status webhook may get there first: it wins)
   ▲                  │  └───▶ failed / skipped
   └── retry later ◀──┤
                      └──▶ in doubt (still "sending", no token): its status webhook settles it, or after the
                           grace period it is pending again

Claims are leases (``claim_leases.py``), each batch with a token of its own, and every step after the claim is
conditional on that token: what a sender no longer holds, it neither sends nor settles.
"""

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, Min, OuterRef, Q
from django.db.models.constants import OnConflict
from django.utils import timezone

from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.models.subscribers import SERVICE_WINDOW
from wagtail_whatsapp.outbound import claim_leases, targeting
from wagtail_whatsapp.outbound import delivery_statements as statements
from wagtail_whatsapp.server_binding import id_params, server_bound_cursor
from wagtail_whatsapp.writelock import serialized, serialized_writes

NOT_SENT_DELAY = 2.0  # seconds before a delivery the database kept from its call is tried again


def fan_out(broadcast):
    """Create one pending Delivery per active subscriber whose topics match the page's (outbound/targeting.py), in
    one ``INSERT … SELECT`` the database runs by itself (100,000 subscribers in about a second on SQLite:
    ``bench/fan_out.py``); nothing is loaded into Python."""
    with serialized_writes(), transaction.atomic():
        _insert_deliveries(broadcast, targeting.broadcast_recipients(broadcast))
    total = Delivery.objects.filter(broadcast=broadcast).count()
    Broadcast.objects.filter(pk=broadcast.pk).update(fanned_out_at=timezone.now(), recipients_count=total)
    broadcast.recipients_count = total


def _insert_deliveries(broadcast, subscribers):
    """``INSERT INTO delivery (…) SELECT <defaults>, subscriber.id FROM (<subscribers>) … ON CONFLICT DO NOTHING``:
    every other column takes the value the model would give a new row, so the rows equal ``Delivery.objects.create``'s
    and a second fan-out (a resumed broadcast) adds only the missing ones."""
    template = Delivery(broadcast_id=broadcast.pk)
    columns, values, params = [], [], []
    for field in Delivery._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name == "subscriber":
            values.append("chosen.id")
            continue
        values.append("%s")
        params.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
    chosen_sql, chosen_params = subscribers.values("id").query.sql_with_params()
    # Django's own pair for "skip the rows already there": INSERT OR IGNORE (SQLite), ON CONFLICT DO NOTHING (PG).
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    conflict = connection.ops.on_conflict_suffix_sql([], OnConflict.IGNORE, update_fields=None, unique_fields=None)
    table = connection.ops.quote_name(Delivery._meta.db_table)
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as a join's ON; only quoted names are formatted in.
    sql = (
        f"{insert} {table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM ({chosen_sql}) chosen WHERE 1 = 1 ORDER BY chosen.id {conflict}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *chosen_params])


@serialized
def claim(broadcast_id, token, limit):
    """Claim up to ``limit`` pending deliveries that are due; returns ``[(pk, attempts)]`` now ours, in pk order."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        # One statement instead of three: the driver's client-side binding of three lists of a hundred ids cost the
        # sending process more than the claim itself. SKIP LOCKED: two senders of a broadcast never wait on each other.
        with connection.cursor() as cursor:
            cursor.execute(statements.claim_returning(), [broadcast_id, now, limit, token, now])
            return sorted(cursor.fetchall())
    ids = list(
        Delivery.objects.filter(broadcast_id=broadcast_id, status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return []
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING, claim_token=token, claimed_at=now
    )
    return list(
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING, claim_token=token)
        .order_by("pk")
        .values_list("pk", "attempts")
    )


@serialized
def release(broadcast_id, owner, keep=()):
    """Claimed by the sender ``owner``, which stops, and never called for: pending again, for a resume. ``keep``: the
    ones that may have gone out, whose in-doubt state the database refused to record (left to the lease)."""
    Delivery.objects.filter(
        broadcast_id=broadcast_id, status=Delivery.Status.SENDING, claim_token__startswith=owner
    ).exclude(pk__in=list(keep)).update(status=Delivery.Status.PENDING, claim_token="", claimed_at=None)


@serialized
def reconcile_in_doubt(broadcast_id, owner, grace_seconds):
    """Deliveries in doubt whose status webhook did not come in time: pending again. In doubt are a timeout's (no
    token, since ``claimed_at``) and those of another sender whose lease ran out without renewal (a dead sender)."""
    unowned_cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    lapsed_cutoff = unowned_cutoff - timedelta(seconds=claim_leases.lease_seconds())
    in_doubt = Q(claim_token="", claimed_at__lt=unowned_cutoff) | Q(claimed_at__lt=lapsed_cutoff)
    Delivery.objects.filter(in_doubt, broadcast_id=broadcast_id, status=Delivery.Status.SENDING).exclude(
        claim_token__startswith=owner
    ).update(status=Delivery.Status.PENDING, claim_token="", claimed_at=None)


def outstanding(broadcast_id):
    return Delivery.objects.filter(
        broadcast_id=broadcast_id, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).exists()


def any_sent(broadcast_id):
    return Delivery.objects.filter(broadcast_id=broadcast_id, status__in=Delivery.SENT_STATUSES).exists()


def any_failed(broadcast_id):
    return Delivery.objects.filter(broadcast_id=broadcast_id, status=Delivery.Status.FAILED).exists()


def sendable_many(claimed):
    """Read right before the calls of ``[(pk, token)]``: ``{pk: (subscriber status, number, user id, last inbound,
    subscriber id, claimed at)}`` for those still ours and whose broadcast is still sending (paused, cancelled: none).

    It runs before every few messages of a broadcast, so it is one hand-written statement (``delivery_statements.py``):
    the ORM would spend five times longer building the query than the database answering it."""
    tokens = dict(claimed)
    with server_bound_cursor() as cursor:
        cursor.execute(statements.sendable(connection.vendor, len(tokens)), id_params(tokens))
        rows = cursor.fetchall()
    aware = _datetime_converter()
    return {
        pk: (status, phone_number, wa_user_id, aware(last_inbound_at), subscriber_id, aware(claimed_at))
        for pk, token, status, phone_number, wa_user_id, last_inbound_at, subscriber_id, claimed_at in rows
        if tokens.get(pk) == token
    }


def _datetime_converter():
    """A timestamp as the ORM gives it, aware: SQLite's driver returns it naive (or as text), PostgreSQL's aware.
    Looked up once per read: ``connection`` is a proxy, each attribute a lookup of the thread's connection."""
    ops = connection.ops
    convert = getattr(ops, "convert_datetimefield_value", None)
    if convert is None:
        return lambda value: value
    return lambda value: value if value is None else convert(value, None, ops.connection)


def mark_sent(pk, wamid, used_template):
    """True when it moved sending → sent (False: a status webhook got there first; its status is kept)."""
    return mark_sent_many([(pk, wamid, used_template)]) == 1


@serialized
def mark_sent_many(sent):
    """Record the calls Meta accepted, ``[(pk, wamid, used template)]``, in one transaction; returns how many moved
    sending → sent. The others' status webhook got there first (their status is kept): they only get the wamid, if
    the webhook did not bring it, how they were sent, which only the sender knows, and the end of the claim.

    Hand-written (``delivery_statements.py``): on SQLite one prepared UPDATE run for every row (``executemany``, in
    the process), on PostgreSQL one UPDATE joined to the rows' VALUES (``executemany`` would be a statement per row on
    the server)."""
    if not sent:
        return 0
    now = _db_value("sent_at", timezone.now())
    sent = sorted(sent)  # rows locked in pk order, as a status batch locks them: the two never deadlock
    with transaction.atomic(), server_bound_cursor() as cursor:
        if connection.vendor == "postgresql":
            moved = 0
            for start in range(0, len(sent), statements.JOINED_ROWS):  # a backlog stays under the protocol's limit
                chunk = sent[start : start + statements.JOINED_ROWS]
                cursor.execute(statements.mark_sent_joined(len(chunk)), [now, *(v for row in chunk for v in row)])
                moved += cursor.rowcount
        else:
            cursor.executemany(
                statements.mark_sent(connection.vendor), [(wamid, now, used, pk) for pk, wamid, used in sent]
            )
            moved = cursor.rowcount
        if moved < len(sent):
            cursor.executemany(statements.fix_up(connection.vendor), [(wamid, used, pk) for pk, wamid, used in sent])
    return moved


def _db_value(field_name, value):
    return Delivery._meta.get_field(field_name).get_db_prep_value(value, connection)


@serialized
def mark_final(pk, token, status, **changes):
    """sending → failed or skipped; True when it moved."""
    if status == Delivery.Status.FAILED:
        changes["failed_at"] = timezone.now()
    return bool(
        Delivery.objects.filter(pk=pk, status=Delivery.Status.SENDING, claim_token=token).update(
            status=status, claim_token="", **changes
        )
    )


@serialized
def retry_later(pk, token, delay, *, count_attempt=True):
    Delivery.objects.filter(pk=pk, status=Delivery.Status.SENDING, claim_token=token).update(
        status=Delivery.Status.PENDING,
        claim_token="",
        claimed_at=None,
        next_attempt_at=timezone.now() + timedelta(seconds=delay) if delay else None,
        attempts=F("attempts") + (1 if count_attempt else 0),
    )


def not_sent(pk, token):
    """The database failed before the call: nothing went out, so pending again after a short wait, no attempt lost."""
    retry_later(pk, token, NOT_SENT_DELAY, count_attempt=False)


@serialized
def defer(pk, token, until):
    """Not sent and not the subscriber's fault (the daily messaging limit): pending again, due at ``until``."""
    Delivery.objects.filter(pk=pk, status=Delivery.Status.SENDING, claim_token=token).update(
        status=Delivery.Status.PENDING, claim_token="", claimed_at=None, next_attempt_at=until
    )


@serialized
def defer_template_recipients(broadcast_id, until, site_ids):
    """Every pending delivery whose subscriber is outside the 24-hour window (so needs the template) and has not had
    a template from the number in the last 24 hours (which would cost no new place): due at ``until``. One UPDATE,
    so the rest of the broadcast goes on without a wasted call each."""
    now = timezone.now()
    outside = Q(subscriber__last_inbound_at__isnull=True) | Q(subscriber__last_inbound_at__lte=now - SERVICE_WINDOW)
    counted = Delivery.objects.template_accepted(site_ids, now - Delivery.MESSAGING_LIMIT_WINDOW).filter(
        subscriber_id=OuterRef("subscriber_id")
    )
    ids = (
        Delivery.objects.filter(outside, broadcast_id=broadcast_id, status=Delivery.Status.PENDING)
        .exclude(Exists(counted))
        .values("pk")
    )
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(next_attempt_at=until)


def next_due_at(broadcast_id):
    """When the next delivery of the broadcast falls due; None when one is due now or in flight."""
    now = timezone.now()
    outstanding_rows = Delivery.objects.filter(broadcast_id=broadcast_id)
    if outstanding_rows.filter(status=Delivery.Status.SENDING).exists():
        return None
    pending = outstanding_rows.filter(status=Delivery.Status.PENDING)
    if pending.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).exists():
        return None
    return pending.aggregate(first=Min("next_attempt_at"))["first"]


@serialized
def keep_in_doubt(pk, token):
    """The request may have reached Meta (a timeout): stay "sending", unowned, until its webhook or the grace period."""
    Delivery.objects.filter(pk=pk, status=Delivery.Status.SENDING, claim_token=token).update(
        claim_token="", claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
