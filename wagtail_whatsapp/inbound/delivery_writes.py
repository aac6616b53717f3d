"""The deliveries a batch of statuses moved, written back in as few UPDATEs as their values allow.

A webhook's statuses mostly share their new values (the same step, the same second, the same pricing): one UPDATE per
distinct set of them, usually one to three. Beyond ``GROUPED_UPDATES`` sets, one UPDATE with a CASE per field.

Written by hand: Django's ``bulk_update`` builds an expression object per row and field, and even a plain
``filter(pk__in=...).update()`` prepares each of a hundred ids through the lookup machinery; either cost more of the
consumer's interpreter (shared with the sender's threads) than the rules of the batch together.
"""

from collections import defaultdict

from django.db import connection

from wagtail_whatsapp.models import Delivery

GROUPED_UPDATES = 4  # at most this many UPDATEs per batch, one per distinct set of values; beyond, one bulk UPDATE


def write_deliveries(changed):
    """Write ``changed`` ({delivery: names of its fields that changed}; a delivery has ``pk`` and the fields as
    attributes) back to the database."""
    groups = defaultdict(list)
    for delivery, names in changed.items():
        groups[frozenset((name, getattr(delivery, name)) for name in names)].append(delivery.pk)
    if len(groups) <= GROUPED_UPDATES:
        for values, pks in groups.items():
            _update_alike(dict(values), pks)
    else:
        _update_each(changed)


def _update_alike(values, pks):
    """One UPDATE giving every delivery of ``pks`` the same ``values`` ({field name: value})."""
    assignments, params = [], []
    for name, value in values.items():
        field = Delivery._meta.get_field(name)
        assignments.append(f"{connection.ops.quote_name(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    _update(assignments, params, pks)


def _update_each(changed):
    """One UPDATE giving each delivery its own values: ``SET field = CASE id WHEN … THEN … ELSE field END``."""
    pk_column = connection.ops.quote_name(Delivery._meta.pk.column)
    assignments, params = [], []
    for name in sorted(set().union(*changed.values())):
        field = Delivery._meta.get_field(name)
        column = connection.ops.quote_name(field.column)
        cases = []
        for delivery, names in changed.items():
            if name in names:
                cases.append(f"WHEN {pk_column} = %s THEN %s")
                params += [delivery.pk, field.get_db_prep_save(getattr(delivery, field.attname), connection)]
        case = f"CASE {' '.join(cases)} ELSE {column} END"
        if connection.features.requires_casted_case_in_updates:  # PostgreSQL: parameters untyped, NULLs included
            case = f"CAST({case} AS {field.cast_db_type(connection)})"
        assignments.append(f"{column} = {case}")
    _update(assignments, params, [delivery.pk for delivery in changed])


def _update(assignments, params, pks):
    table = connection.ops.quote_name(Delivery._meta.db_table)
    pk_column = connection.ops.quote_name(Delivery._meta.pk.column)
    sql = (
        f"UPDATE {table} SET {', '.join(assignments)} "  # noqa: S608 - only quoted names are formatted in
        f"WHERE {pk_column} IN ({', '.join(['%s'] * len(pks))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *pks])
