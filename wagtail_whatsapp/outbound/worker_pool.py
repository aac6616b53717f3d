"""The sender's threads: how many there are, and the bounded queue that feeds them the deliveries it claimed."""

import gc
import logging
import math
import queue
import threading

from django.db import connection

from wagtail_whatsapp import conf

logger = logging.getLogger(__name__)

# A Graph API round trip (about 0.15 s) plus the wait for its slot (reserved up to 0.1 s ahead, outbound/sender.py),
# with room for a slow second: a pool sized for half a second per message keeps every slot of the cap covered.
ASSUMED_CALL_SECONDS = 0.5
# Calls in flight per process at most: a cap of 1,000/s needs about 250 (150 in calls, the rest waiting for their
# slots). One process is one interpreter, busy at about 300 messages/s on the development machine
# (bench/broadcast_live.py); past that, more processes share the broadcast (BROADCAST_SENDERS), each with its own
# pool for its share of the cap.
MAX_THREADS = 256


def worker_count(per_second):
    configured = conf.broadcast_workers()
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return 1  # threads cannot share an in-memory database: send from the calling thread
    if configured:
        return configured
    return max(2, min(MAX_THREADS, math.ceil(per_second * ASSUMED_CALL_SECONDS)))


def release_pooled_connection():
    """With a connection pool (PostgreSQL with Django's ``pool`` option), give this thread's connection back between
    two uses: a sending thread spends most of its time waiting for its slot and for Meta, and would otherwise hold a
    connection all along — 40 threads a broadcast, ten towns' broadcasts: more than PostgreSQL's max_connections."""
    if is_pooled():
        connection.close()


def is_pooled():
    """Whether this thread's connection comes from Django's connection pool."""
    return getattr(connection, "pool", None) is not None


def run_pool(workers, *, backend_factory, send_one, dispatch, stop_event):
    """Run ``dispatch(submit, capacity, idle)`` while ``workers`` threads pass each submitted job to
    ``send_one(backend, job)``, each thread with a backend of its own. Ends when ``dispatch`` returns.

    The queue is a ``SimpleQueue`` (no condition variable in Python: a thousand hand-overs a second among hundreds of
    threads cost a fifth of the interpreter with ``Queue``); ``capacity`` bounds what waits in it."""
    jobs = queue.SimpleQueue()
    in_hand = _Count()

    def work():
        backend = backend_factory()
        # Asked once per thread: finding the thread's connection behind Django's proxy costs more than the call's
        # bookkeeping (3 % of a sending process when asked after every job).
        pooled = is_pooled()
        try:
            while True:
                job = jobs.get()
                try:
                    if job is None:
                        return
                    if not stop_event.is_set():
                        send_one(backend, job)
                except Exception:
                    # The thread lives on for the next job (the sender records a failed job's outcome itself).
                    logger.exception("WhatsApp: a sending thread failed on a job")
                finally:
                    if pooled:
                        connection.close()  # back to the pool between two jobs (release_pooled_connection)
                    if job is not None:
                        in_hand.add(-1)
        finally:
            backend.close()
            connection.close()

    def submit(job):
        in_hand.add(1)
        jobs.put(job)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    # A full collection walks every object of the process (Django's, Wagtail's: a third of a second in a consumer),
    # and every thread waits for it: slots of the pace lost at once. What exists before the pool is left out of the
    # collections while it runs; whatever of it becomes garbage meanwhile is collected after.
    gc.freeze()
    for thread in threads:
        thread.start()
    try:
        dispatch(
            submit,
            capacity=lambda: workers * 2 - in_hand.value if in_hand.value <= workers else 0,
            idle=lambda: in_hand.value == 0,
        )
    finally:
        stop_event.set()
        for _thread in threads:
            jobs.put(None)
        for thread in threads:
            thread.join()
        gc.unfreeze()


class _Count:
    """The jobs submitted and not finished yet."""

    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def add(self, step):
        with self._lock:
            self.value += step
