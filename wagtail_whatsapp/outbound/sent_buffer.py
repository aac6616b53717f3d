"""The calls Meta accepted, recorded a block at a time.

At a high cap one UPDATE per accepted call is a good share of a sender's work, so its threads leave what Meta answered
here and the sender writes it in one transaction every ``FLUSH_EVERY`` seconds or ``FLUSH_SIZE`` calls
(``delivery_claims.mark_sent_many``). Until then the delivery stays "sending" under the sender's lease, as during its
call: a sender that dies meanwhile leaves it in doubt, and the status webhook Meta sends for the message (with our
callback data) settles it long before the grace period could put it back in the queue. A write the database refuses
is kept and tried again at the next flush; the sender never releases what is still waiting here.

On SQLite with sending threads, the sender's bookkeeping thread writes the blocks (bookkeeping.py), not the dispatcher.
"""

import logging
import threading
import time

from django.db import Error as DatabaseFault

from wagtail_whatsapp.outbound import delivery_claims as claims

logger = logging.getLogger(__name__)

FLUSH_EVERY = 0.1  # seconds: the editor's report and the next status webhook see a sent message this soon
FLUSH_SIZE = 200


class SentBuffer:
    def __init__(self):
        self._lock = threading.Lock()
        self._waiting = []  # (pk, wamid, used template)
        self._flushed = time.monotonic()

    def add(self, pk, wamid, used_template):
        with self._lock:
            self._waiting.append((pk, wamid, used_template))

    def due(self):
        return len(self._waiting) >= FLUSH_SIZE or (self._waiting and time.monotonic() - self._flushed >= FLUSH_EVERY)

    def flush(self):
        """Record what is waiting; returns how many deliveries moved sending → sent."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
            self._flushed = time.monotonic()
        if not waiting:
            return 0
        try:
            return claims.mark_sent_many(waiting)
        except DatabaseFault:
            logger.warning("WhatsApp: %d sent messages not recorded yet", len(waiting), exc_info=True)
            with self._lock:
                self._waiting[:0] = waiting
            return 0

    def waiting(self):
        """The deliveries that went out and are not recorded yet."""
        with self._lock:
            return [pk for pk, _wamid, _used in self._waiting]
