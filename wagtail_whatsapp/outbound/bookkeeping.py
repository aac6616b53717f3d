"""The sender's writes, kept off the dispatcher's path: the next batch claimed before it is needed, the calls Meta
accepted recorded (sent_buffer.py), the claims' lease renewed, other senders' deliveries in doubt put back in the
queue (``reconcile``).

Why a thread of their own: on SQLite every write waits for the database's one writer, which Meta's status webhooks
keep busy while a broadcast goes on. A dispatcher that claimed and recorded itself reserved no slot of the pace while
it waited: a third of a broadcast's time at 1,000 messages/s (bench/broadcast_live.py). With the writes here, the
dispatcher only reserves the pace (a file of its own on SQLite) and reads right before the calls (never blocked by a
writer). Without sending threads (in-memory SQLite, the tests' inline mode) the dispatcher claims and records itself,
and on PostgreSQL too: there a write waits for its rows only, not for one writer of the whole database, and a sender
keeps one connection less (a province's ten numbers are ten senders).
"""

import contextlib
import logging
import threading
import time
from collections import deque

from django.db import connection

from wagtail_whatsapp.outbound import delivery_claims as claims

logger = logging.getLogger(__name__)

TICK = 0.025  # seconds between two looks at what is due: a tenth of a batch at 1,000 messages/s
FAULT_PAUSE = 1.0
# A batch claimed ahead covers this much of the sender's share of the cap (CLAIM_BATCH at most): two batches ahead
# outlast a claim that waits for SQLite's writer, and a slow number does not hold thousands of deliveries "sending".
AHEAD_SECONDS = 0.5
NOTHING_DUE_POLL = 0.2  # while only retries wait for their time, a claim this often (the dispatcher's idle poll)


def claim_batch(broadcast_id, lease, count):
    """Up to ``count`` due deliveries claimed under a new token of ``lease``: ``[(pk, attempts, token)]``."""
    token = lease.batch_token()
    return [(pk, attempts, token) for pk, attempts in claims.claim(broadcast_id, token, count)]


class ClaimsAhead:
    """Deliveries claimed for the dispatcher, ``(pk, attempts, token)``: with a bookkeeper, two batches at least
    claimed ahead (a claim may wait most of a second for SQLite's writer) and topped up as it takes; without one,
    claimed when it takes."""

    def __init__(self, broadcast_id, lease, batch):
        self.broadcast_id, self.lease, self.batch = broadcast_id, lease, batch
        self._jobs = deque()
        self.found_none = False  # the last claim found nothing due: the dispatcher may be done, or wait for retries
        self.by_bookkeeper = False  # the bookkeeper claims, records and renews: the dispatcher does none of it
        self._claimed_at = 0.0

    def take(self, count):
        if not self.by_bookkeeper:
            jobs = claim_batch(self.broadcast_id, self.lease, count)
            self.found_none = not jobs
            return jobs
        jobs = []
        while len(jobs) < count and self._jobs:
            jobs.append(self._jobs.popleft())
        return jobs

    def top_up(self):
        if self.found_none and time.monotonic() - self._claimed_at < NOTHING_DUE_POLL:
            return
        if len(self._jobs) < 2 * self.batch:
            self._claimed_at = time.monotonic()
            jobs = claim_batch(self.broadcast_id, self.lease, self.batch)
            self._jobs.extend(jobs)
            self.found_none = not jobs


class Bookkeeper:
    """A thread claiming ahead, recording sent calls and renewing the lease while the block runs."""

    def __init__(self, ahead, sent, *, on_moved, reconcile, stop_event):
        """``on_moved(count)`` after each record of sent calls; ``reconcile``: (a function, every so many seconds)."""
        self.ahead, self.sent, self.lease, self.stop_event = ahead, sent, ahead.lease, stop_event
        self.on_moved, (self.reconcile, self.reconcile_every) = on_moved, reconcile
        self._reconciled = time.monotonic()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="broadcast-bookkeeper", daemon=True)

    @classmethod
    def if_wanted(cls, *args, **kwargs):
        """A bookkeeper where the dispatcher would wait for the database's one writer (SQLite); else nothing."""
        return cls(*args, **kwargs) if connection.vendor == "sqlite" else contextlib.nullcontext()

    def __enter__(self):
        self.ahead.by_bookkeeper = True
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._done.set()
        self._thread.join()
        self.ahead.by_bookkeeper = False

    def _run(self):
        try:
            while not self._done.wait(TICK):
                self._step()
        finally:
            connection.close()  # the thread's own database connection

    def _step(self):
        try:
            self.lease.keep()
            if self.sent.due():
                self.on_moved(self.sent.flush())
            if self.stop_event.is_set():
                return
            self.ahead.top_up()
            if time.monotonic() - self._reconciled >= self.reconcile_every:
                self._reconciled = time.monotonic()
                self.reconcile()
        except Exception:  # noqa: BLE001 - a database fault: tried again a moment later, the dispatcher goes on
            logger.exception("WhatsApp: a broadcast's bookkeeping write failed")
            self._done.wait(FAULT_PAUSE)
