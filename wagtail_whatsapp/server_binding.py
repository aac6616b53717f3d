"""A cursor that sends its parameters apart from the SQL, for the statements that carry a hundred values (PostgreSQL).

Django's PostgreSQL backend binds parameters into the query's text on the client by default (psycopg's
``ClientCursor``): every value is quoted and escaped in Python, arrays element by element. For a webhook's hundred
statuses, inserted as one array per column, that quoting was half of the webhook's CPU. Sent as the protocol's own
parameters (psycopg's plain ``Cursor``), they cost the client next to nothing. Only these statements take it: the rest
of Django keeps the site's setting, which some SQL relies on (``OPTIONS["server_side_binding"]``).

Arrays go in binary (``%b``, ``array_placeholder()``): in text, each element is escaped on its own (every quote
of a status's JSON), which costs about as much as binding on the client.

The cursor is wrapped as Django wraps its own (errors translated, queries logged when debugging or counting in
tests), on the same connection and in the same transaction. What it reads back is loaded as Django's own cursors
load it: Django sets its loaders on the connection (timestamps in the connection's time zone, JSON as text for the
fields' converters), and a cursor takes the connection's.
"""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def server_bound_cursor():
    """A cursor of ``connection``'s whose parameters travel apart from the SQL when the driver can (psycopg 3);
    Django's own cursor otherwise (SQLite, psycopg2, or a site that already binds on the server)."""
    if not _binds_on_client():
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped:
        yield wrapped


def array_placeholder():
    """The placeholder for an array parameter of ``server_bound_cursor``'s statements: binary where the driver
    allows it."""
    return "%b" if _is_psycopg3() else "%s"


def id_condition(count):
    """The SQL that follows a primary key column to match ``count`` ids, with ``id_params``' parameters: on
    PostgreSQL ``= ANY(…)`` over one array (the same text whatever the count), elsewhere ``IN (%s, …)``."""
    if connection.vendor == "postgresql":
        return f"= ANY({array_placeholder()}::bigint[])"
    return f"IN ({', '.join(['%s'] * count)})"


def id_params(pks):
    """The parameters of ``id_condition(len(pks))``."""
    return [list(pks)] if connection.vendor == "postgresql" else list(pks)


def _binds_on_client():
    return _is_psycopg3() and connection.settings_dict["OPTIONS"].get("server_side_binding") is not True


def _is_psycopg3():
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3
