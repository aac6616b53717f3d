"""The hand-written SQL of a delivery's hottest steps (``delivery_claims.py`` runs them): each built once per
database vendor (and count of rows) from the models' columns, so only quoted names and placeholders are formatted in.

Hand-written because they run for every few messages of a broadcast: the ORM spends longer building such a statement
than the database running it, and on PostgreSQL one statement replaces the ORM's three (a claim) or a statement per
row (the record of sent calls).
"""

import functools

from django.db import connection

from wagtail_whatsapp.models import Broadcast, Delivery, Subscriber
from wagtail_whatsapp.server_binding import id_condition


@functools.cache
def claim_returning():
    """PostgreSQL's claim: the due pending deliveries, first ``limit`` in pk order, locked and moved to sending."""
    status, token, claimed_at, broadcast, next_attempt, attempts, pk = _columns(
        "status", "claim_token", "claimed_at", "broadcast", "next_attempt_at", "attempts", "id"
    )
    table = connection.ops.quote_name(Delivery._meta.db_table)
    pending, sending = Delivery.Status.PENDING, Delivery.Status.SENDING
    # A CTE, evaluated once: as ``id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` the planner may run the subquery
    # again for each row it updates, and a claim of one took ten.
    return (
        f"WITH chosen AS MATERIALIZED (SELECT {pk} FROM {table} WHERE {broadcast} = %s"  # noqa: S608
        f" AND {status} = '{pending}' AND ({next_attempt} IS NULL OR {next_attempt} <= %s)"
        f" ORDER BY {pk} LIMIT %s FOR UPDATE SKIP LOCKED)"
        f" UPDATE {table} d SET {status} = '{sending}', {token} = %s, {claimed_at} = %s FROM chosen"
        f" WHERE d.{pk} = chosen.{pk} AND d.{status} = '{pending}' RETURNING d.{pk}, d.{attempts}"
    )


@functools.cache
def sendable(vendor, count):
    """The statement's text for ``count`` deliveries (any count on PostgreSQL: one array), built once per database
    vendor and count from the models' columns: only quoted names and placeholders are formatted in."""
    quote = connection.ops.quote_name
    delivery, subscriber, broadcast = (quote(model._meta.db_table) for model in (Delivery, Subscriber, Broadcast))
    d_pk, d_subscriber, d_broadcast, d_status, token, claimed_at = _columns(
        "id", "subscriber", "broadcast", "status", "claim_token", "claimed_at"
    )
    s_pk, s_status, number, user_id, last_inbound = (
        quote(Subscriber._meta.get_field(name).column)
        for name in ("id", "status", "phone_number", "wa_user_id", "last_inbound_at")
    )
    b_pk, b_status = (quote(Broadcast._meta.get_field(name).column) for name in ("id", "status"))
    return (
        f"SELECT d.{d_pk}, d.{token}, s.{s_status}, s.{number}, s.{user_id}, s.{last_inbound}, s.{s_pk},"  # noqa: S608
        f" d.{claimed_at} FROM {delivery} d JOIN {subscriber} s ON s.{s_pk} = d.{d_subscriber}"
        f" JOIN {broadcast} b ON b.{b_pk} = d.{d_broadcast}"
        f" WHERE d.{d_pk} {id_condition(count)} AND d.{d_status} = '{Delivery.Status.SENDING}'"
        f" AND b.{b_status} = '{Broadcast.Status.SENDING}'"
    )


def _columns(*names):
    return [connection.ops.quote_name(Delivery._meta.get_field(name).column) for name in names]


@functools.cache
def mark_sent(vendor):
    """The statement's text, built once per database vendor (as ``sendable``)."""
    status, pk = _columns("status", "id")
    table = connection.ops.quote_name(Delivery._meta.db_table)
    return (
        f"UPDATE {table} SET {_sent_assignments('%s', '%s')}"  # noqa: S608
        f" WHERE {pk} = %s AND {status} = '{Delivery.Status.SENDING}'"
    )


# Rows per joined UPDATE: three parameters each, and PostgreSQL's protocol takes 65,535 at most per statement.
JOINED_ROWS = 1000


@functools.cache
def mark_sent_joined(count):
    """``mark_sent`` for ``count`` rows in one PostgreSQL statement, joined to a VALUES list of (pk, wamid, used
    template); the casts keep it valid with server-side parameter binding too."""
    status, pk = _columns("status", "id")
    table = connection.ops.quote_name(Delivery._meta.db_table)
    pk_type = Delivery._meta.pk.cast_db_type(connection)
    row = f"(%s::{pk_type}, %s::text, %s::boolean)"
    return (
        f"UPDATE {table} d SET {_sent_assignments('v.wamid', 'v.used', table='d.')}"  # noqa: S608
        f" FROM (VALUES {', '.join([row] * count)}) AS v(pk, wamid, used)"
        f" WHERE d.{pk} = v.pk AND d.{status} = '{Delivery.Status.SENDING}'"
    )


def _sent_assignments(wamid_from, used_from, table=""):
    """What recording a sent call sets, the same in both statements: the wamid and how it was sent from
    ``wamid_from``/``used_from``, ``sent_at`` from a parameter (between the two), one attempt more, the claim ended."""
    status, wamid, sent_at, used, attempts, token, code, reason = _columns(
        "status", "wamid", "sent_at", "used_template", "attempts", "claim_token", "error_code", "error_reason"
    )
    return (
        f"{status} = '{Delivery.Status.SENT}', {wamid} = {wamid_from}, {sent_at} = %s, {used} = {used_from},"
        f" {attempts} = {table}{attempts} + 1, {token} = '', {code} = NULL, {reason} = ''"
    )


@functools.cache
def fix_up(vendor):
    wamid, used, token, pk = _columns("wamid", "used_template", "claim_token", "id")
    table = connection.ops.quote_name(Delivery._meta.db_table)
    return (
        f"UPDATE {table} SET {wamid} = CASE WHEN {wamid} = '' THEN %s ELSE {wamid} END,"  # noqa: S608
        f" {used} = %s, {token} = '' WHERE {pk} = %s"
    )
