"""A sending pace shared by every consumer process, kept in the database.

Meta counts messages per phone number, whatever process sends them, so the pace cannot live in memory. Each send
reserves the next free *slot* with one atomic ``UPDATE ... RETURNING`` on a single row (PostgreSQL, and SQLite ≥ 3.35):

    next_slot_at = max(next_slot_at, now) + interval        (interval = 1 / pace)

The caller sleeps until its slot, then sends. Slots are spaced ``interval`` apart whoever reserves them, so the count in
any 1-second window is at most ``pace + 1`` slots. There is no burst allowance on purpose: a burst capacity would add
to what a 1-second window sees. The pace is ``SAFETY`` × the cap, leaving room for the scheduling jitter of a sleeping
thread, so the cap is never exceeded while ≥ 95 % of it is reached. A slot that went stale (the caller woke too late)
is given up and a new one reserved, so late senders never bunch up with punctual ones.

On a file SQLite database the pace lives in a small SQLite file of its own beside it (``<database>-pace``): SQLite
has one write lock per file, and a status batch or a fan-out holding the site's lock for 30 ms would stall every
reservation meanwhile, each stall a run of slots lost for good. Every process on the machine shares that file, as
they share the database. PostgreSQL locks the one row only, so there the pace stays in ``RateLimitBucket``.
"""

import sqlite3
import threading
import time

from django.db import IntegrityError, connection, transaction

from wagtail_whatsapp import conf
from wagtail_whatsapp.models import RateLimitBucket
from wagtail_whatsapp.outbound.worker_pool import release_pooled_connection
from wagtail_whatsapp.writelock import serialized_writes

SAFETY = 0.96  # share of the cap actually used: 4 % leaves room for 28 ms of jitter in any 1-second window
MAX_LATENESS = 0.02  # seconds a slot may be missed by before it is given up
SLOW_DOWN_FACTOR = 0.5  # pace after a 130429, for SLOW_DOWN_SECONDS
SLOW_DOWN_SECONDS = 30.0


# The database's clock, in Unix seconds, read when the UPDATE runs: after any wait for the row or the write lock.
_DATABASE_NOW = {
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
    "postgresql": "(EXTRACT(EPOCH FROM clock_timestamp())::float8)",
}


def _reserve_sql(now="%s"):
    # Only quoted identifiers (and the fixed clock expressions above) are formatted in; every value is a parameter.
    table = connection.ops.quote_name(RateLimitBucket._meta.db_table)
    key = connection.ops.quote_name("key")
    return (
        f"UPDATE {table} SET next_slot_at = "  # noqa: S608
        f"(CASE WHEN next_slot_at > {now} THEN next_slot_at ELSE {now} END)"
        f" + (CASE WHEN slow_until > {now} THEN %s ELSE %s END) "
        f"WHERE {key} = %s RETURNING next_slot_at, slow_until, {now}"
    )


_SIDE_FILE_SQL = (  # noqa: S608 - a fixed clock expression is formatted in, no value
    "UPDATE pace SET next_slot_at = (CASE WHEN next_slot_at > {now} THEN next_slot_at ELSE {now} END)"
    " + (CASE WHEN slow_until > {now} THEN ? ELSE ? END) WHERE key = ? RETURNING next_slot_at, slow_until, {now}"
).format(now=_DATABASE_NOW["sqlite"])
_side_files = threading.local()  # path → this thread's connection
# One writer at a time per process on the pace file too: threads colliding on a SQLite lock sleep in its busy handler
# (steps of up to 100 ms) while a Python lock hands it over at once (see ``writelock.py``).
_SIDE_FILE_LOCK = threading.Lock()


def side_file_path():
    """The pace's own file when the site's database is a SQLite file, else None."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    return f"{connection.settings_dict['NAME']}-pace"


def _side_file(path, key):
    """This thread's connection to the pace file, with ``key``'s row present."""
    opened = getattr(_side_files, "connections", None)
    if opened is None:
        opened = _side_files.connections = {}
    side = opened.get(path)
    if side is None:
        side = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        side.execute("PRAGMA journal_mode=WAL")
        side.execute(
            "CREATE TABLE IF NOT EXISTS pace (key TEXT PRIMARY KEY, next_slot_at REAL NOT NULL DEFAULT 0,"
            " slow_until REAL NOT NULL DEFAULT 0)"
        )
        opened[path] = side
    known = opened.setdefault((path, "keys"), set())
    if key not in known:
        side.execute("INSERT OR IGNORE INTO pace (key) VALUES (?)", [key])
        known.add(key)
    return side


class SharedRateLimiter:
    def __init__(self, key, per_second=None, clock=time.time, sleep=time.sleep):
        self.key = key
        self.per_second = per_second
        self.clock = clock
        self.sleep = sleep
        self._ensured = False

    def _cap(self):
        return float(self.per_second or conf.messages_per_second())

    def _ensure_row(self):
        if self._ensured:
            return
        if not RateLimitBucket.objects.filter(key=self.key).exists():
            try:
                with transaction.atomic():
                    RateLimitBucket.objects.create(key=self.key)
            except IntegrityError:
                pass  # another process created it first
        self._ensured = True

    def reserve(self):
        """Reserve the next slot; return its Unix time (possibly in the past when the pace is not reached)."""
        return self.reserve_many(1)[0]

    def reserve_many(self, count):
        """Reserve the next ``count`` slots in one write: their Unix times, ``interval`` apart. A sender feeding many
        threads takes its slots a block at a time, one database round trip per block rather than per message."""
        interval = 1.0 / (self._cap() * SAFETY)
        slowed = interval / SLOW_DOWN_FACTOR
        side_file = side_file_path() if self.clock is time.time else None
        if side_file:
            with _SIDE_FILE_LOCK:
                side = _side_file(side_file, self.key)
                next_slot_at, slow_until, then = side.execute(
                    _SIDE_FILE_SQL, [slowed * count, interval * count, self.key]
                ).fetchone()
            return self._slots(count, next_slot_at, slow_until, then, interval, slowed)
        self._ensure_row()
        database_now = _DATABASE_NOW.get(connection.vendor) if self.clock is time.time else None
        with serialized_writes(), connection.cursor() as cursor:
            if database_now:
                # Under load the UPDATE waits for the row (PostgreSQL) or the write lock (SQLite): a "now" read before
                # that wait hands out a slot already late, a slot of the cap wasted. The database's clock is read
                # after the wait, and the slot is returned as an offset from it (whatever the skew between machines).
                cursor.execute(_reserve_sql(database_now), [slowed * count, interval * count, self.key])
            else:
                now = self.clock()
                cursor.execute(_reserve_sql(), [now, now, now, slowed * count, interval * count, self.key, now])
            # PostgreSQL returns a parameter echoed back as numeric (Decimal): floats for the arithmetic below.
            next_slot_at, slow_until, then = map(float, cursor.fetchone())
        release_pooled_connection()  # the caller now sleeps until its slot
        return self._slots(count, next_slot_at, slow_until, then, interval, slowed)

    def _slots(self, count, next_slot_at, slow_until, then, interval, slowed):
        used = slowed if slow_until > then else interval
        first = self.clock() + (next_slot_at - used * count - then)
        return [first + used * index for index in range(count)]

    def acquire(self, should_stop=None, lead=0.0):
        """Wait for a slot of our own, until ``lead`` seconds before it; returns its time, or None when
        ``should_stop()`` turned true meanwhile.

        The caller should start its call within ``MAX_LATENESS`` of the slot (``wait_for``, then ``is_late``), else
        acquire again. ``lead`` leaves time for work that must come right before the call (a read of the database).
        """
        while True:
            slot = self.reserve()
            if not self.wait_for(slot - lead, should_stop):
                return None
            if not self.is_late(slot):
                return slot
            # Woke up too late (or reserved under contention): this slot would bunch with the next ones.

    def wait_for(self, moment, should_stop=None):
        """Sleep until ``moment`` (Unix time); False when ``should_stop()`` turned true meanwhile."""
        while True:
            wait = moment - self.clock()
            if wait <= 0:
                return True
            if should_stop is not None and should_stop():
                return False
            self.sleep(min(wait, 0.25))

    def is_late(self, slot):
        return self.clock() - slot > MAX_LATENESS

    def last_moment(self, slot):
        """The latest a message of ``slot`` may leave (the backend checks it right before the write)."""
        return slot + MAX_LATENESS

    def slow_down(self, seconds=SLOW_DOWN_SECONDS):
        """Meta said 130429 (too fast): every sender of this number slows down for a while."""
        side_file = side_file_path() if self.clock is time.time else None
        if side_file:
            with _SIDE_FILE_LOCK:
                _side_file(side_file, self.key).execute(
                    "UPDATE pace SET slow_until = ? WHERE key = ?", [self.clock() + seconds, self.key]
                )
            return
        self._ensure_row()
        RateLimitBucket.objects.filter(key=self.key).update(slow_until=self.clock() + seconds)


def limiter_for(phone_number_id):
    """The pace of one number, shared by every sender of every consumer (Meta's throughput is the number's)."""
    return SharedRateLimiter(f"messages:{phone_number_id or 'default'}")
