"""No database connection crosses a fork().

Huey's process workers (``run_huey --worker-type process``, how one machine sends at a high cap: the broadcast in one
process, status webhooks in others) are forked from the consumer after it used the ORM (its system checks read the
sites' settings). A child inheriting that connection shares its socket with the parent and its brothers: their
queries and answers interleave, and one reads another's result. So the process about to fork closes its connections
first (outside a transaction: one in progress is never cut), and every process opens its own when it needs one.
"""

import os

from django.db import connections

_registered = False


def close_connections_before_fork():
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue
        connection.close()
        # With Django's PostgreSQL pool, close() only gives the connection back to a pool the children would inherit
        # whole; the pool goes, and each process makes its own at its first query.
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()


def register():
    global _registered
    if not _registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(before=close_connections_before_fork)
        _registered = True
