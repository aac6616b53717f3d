"""A webhook's events inserted in one statement, without a model instance per row.

A broadcast brings three status webhooks per message, a hundred to a POST. Building a ``StatusUpdate`` per status and
letting ``bulk_create`` prepare each of its fields through the SQL compiler cost the webhook more than everything else
it does for them. Here a row is a dict of field values, and only the values whose type the database driver does not
take as it is (datetimes, JSON...) go through Django's ``get_db_prep_save``; the statement is Django's own
"insert, ignoring conflicts" for the database in use. On PostgreSQL the rows go in as one array per column
(``INSERT … SELECT * FROM UNNEST(%b::type[], …)``, as Django's own ``bulk_create`` does there): with ``executemany``
the driver ran the statement once per row, and with a VALUES list it bound a thousand parameters into the query's
text, each time; either cost the webhook more than everything else it does for a status (the arrays go as the
protocol's parameters: ``server_binding.py``). Elsewhere (SQLite, in the
process) the statement is prepared once and run for every row (``executemany``).
"""

from django.db import connection
from django.db.models.constants import OnConflict
from django.utils import timezone

from wagtail_whatsapp.server_binding import array_placeholder, server_bound_cursor

# Fields whose values, of the right Python type (str, int, bool or None, as events.py reads them), reach the database
# driver unchanged: Django's own preparation would hand them over as they are.
_AS_IS = {
    "CharField", "TextField", "IntegerField", "SmallIntegerField", "BigIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "PositiveBigIntegerField", "BooleanField", "ForeignKey",
}  # fmt: skip


def insert_rows(model, rows):
    """Insert ``rows`` (dicts: field attname → value) into ``model``'s table in one statement; a row that conflicts
    with a stored one (a unique constraint) is left out, as ``bulk_create(ignore_conflicts=True)`` does.

    A field a row leaves out gets its default as an unsaved instance would, ``auto_now_add`` fields the time of the
    call. A field without a default that cannot be NULL must be in every row: ``ValueError`` otherwise, before
    anything is written, since SQLite's ``INSERT OR IGNORE`` would drop such a row without a word."""
    rows = list(rows)
    if not rows:
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    defaults = {
        field.attname: now if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)
        else field.get_default()
        for field in fields
    }  # fmt: skip
    required = {name for name, value in defaults.items() if value is None and not model._meta.get_field(name).null}
    params = []
    for row in rows:
        if not required <= row.keys():
            raise ValueError(f"{model.__name__} row without {', '.join(sorted(required - row.keys()))}")
        params.append([row.get(field.attname, defaults[field.attname]) for field in fields])
    for index, field in enumerate(fields):
        if field.get_internal_type() not in _AS_IS:
            _prepare(field, index, params)
    ops = connection.ops
    head = (
        f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} {ops.quote_name(model._meta.db_table)} "
        f"({', '.join(ops.quote_name(field.column) for field in fields)}) "
    )
    tail = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    if connection.vendor == "postgresql":
        # The array types without their size (varchar[], not varchar(256)[]): the column's own type checks it.
        array = array_placeholder()
        arrays = ", ".join(f"{array}::{field.db_type(connection).split('(')[0]}[]" for field in fields)
        columns = [list(column) for column in zip(*params, strict=True)]
        with server_bound_cursor() as cursor:
            cursor.execute(f"{head}SELECT * FROM UNNEST({arrays}) {tail}", columns)  # noqa: S608 - names and types
    else:
        with connection.cursor() as cursor:
            cursor.executemany(f"{head}VALUES ({', '.join(['%s'] * len(fields))}) {tail}", params)


def _prepare(field, index, params):
    """Each row's value of ``field`` as the database takes it; a value the rows share (a webhook's statuses share
    their times) prepared once."""
    prepared = {}
    for values in params:
        value = values[index]
        if isinstance(value, dict | list):  # JSON: each its own
            values[index] = field.get_db_prep_save(value, connection)
            continue
        key = (type(value), value)
        if key not in prepared:
            prepared[key] = field.get_db_prep_save(value, connection)
        values[index] = prepared[key]


def values_of(instance):
    """An unsaved instance's field values as a row for ``insert_rows`` (``auto_now_add`` times left to the insert)."""
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key and not getattr(field, "auto_now_add", False)
    }
