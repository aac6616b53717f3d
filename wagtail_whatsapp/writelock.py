"""One writer at a time per process, on SQLite.

SQLite has a single write lock per database. Threads that collide on it wait in SQLite's busy handler, which sleeps
in growing steps (up to 100 ms) even when the lock is held for a millisecond; for a sender keeping slots 12 ms apart
that is fatal to the pace. Taking a Python lock first hands the write lock over at once between the threads of one
process (between processes SQLite's busy handler still applies). PostgreSQL locks rows and needs none of this.
"""

import functools
import threading
from contextlib import nullcontext

from django.db import connection

_LOCK = threading.Lock()


def serialized_writes():
    return _LOCK if connection.vendor == "sqlite" else nullcontext()


def serialized(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with serialized_writes():
            return function(*args, **kwargs)

    return wrapper
