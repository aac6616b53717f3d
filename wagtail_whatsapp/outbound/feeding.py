"""Handing claimed deliveries to the sending threads at the pace (``BroadcastSender`` mixes this in).

A block of deliveries gets its slots of the pace in one write (``ratelimit.reserve_many``); then, group by group, the
dispatcher reads them right before their slots, one query for the calls of the next ``READ_SPAN`` seconds at most
(one call per read when the sender has no threads), and passes each with its slot and what was read to a thread. A
cancel, a pause or an unsubscribe committed before the read is honoured. A slot missed (a busy machine) is given up:
its delivery waits in ``late`` for a new slot and a new read.
"""

import logging

from wagtail_whatsapp.outbound import delivery_claims as claims

logger = logging.getLogger(__name__)

# The read right before the calls starts this long before the first call's slot, so that a busy interpreter or
# database does not make the slot late (and wasted) while it reads. One read serves the calls whose slots fall within
# READ_SPAN of the first: at 1,000 messages/s a query per message would be a good share of the sender's work, and with
# ten numbers at 80/s on one machine the reads were a fifth of the consumers' interpreter at 50 ms.
READ_LEAD = 0.03
READ_SPAN = 0.1
# Slots of the pace are reserved a block at a time: as many as the sender's share of the cap sends in this many seconds
# (at most CHUNK_MAX).
CHUNK_SECONDS = 0.1
CHUNK_MAX = 100


class Feeding:
    def _feed(self, jobs, submit):
        """Pass claimed deliveries ``(pk, attempts, token)`` to the sending threads a block at a time: the block's
        slots of the pace reserved in one write, then, group by group, one read right before the group's slots (a
        cancel, a pause or an unsubscribe committed before it is honoured); each job waits for its own slot."""
        for start in range(0, len(jobs), self.chunk_size):
            block = jobs[start : start + self.chunk_size]
            slots = self.limiter.reserve_many(len(block))
            first = 0
            while first < len(block):
                end = first + 1
                while end < len(block) and end - first < self.read_group and slots[end] - slots[first] < READ_SPAN:
                    end += 1
                if not self.limiter.wait_for(slots[first] - READ_LEAD, self.stop_event.is_set):
                    return  # stopping: what is left is released, unsent
                gone = first
                while first < len(block) and self.limiter.is_late(slots[first]):
                    first += 1
                if first > gone:  # held up: the slots gone are given up, their deliveries take new ones later
                    self._missed(block[gone:first])
                    continue
                if not self._read_and_submit(block[first:end], slots[first:end], submit):
                    return
                first = end
            self._flush_sent_if_due()

    def _read_and_submit(self, group, slots, submit):
        """False when the broadcast stopped sending."""
        if not self.ahead.by_bookkeeper:
            self.lease.keep()
        try:
            rows = claims.sendable_many([(pk, token) for pk, _attempts, token in group])
        except Exception:  # noqa: BLE001 - a database fault must not kill the sender
            logger.exception("WhatsApp: %d deliveries not sent: the database failed before the call", len(group))
            for pk, _attempts, token in group:
                self.lease.settle(claims.not_sent, pk, token)
            return True
        if len(rows) < len(group) and not self._still_sending():
            return False
        for (pk, attempts, token), slot in zip(group, slots, strict=True):
            if self.stop_event.is_set():
                return False
            if pk in rows:  # else no longer ours: whoever holds it sends it
                submit((pk, attempts, token, slot, rows[pk]))
        return True

    def _missed(self, jobs):
        with self.lock:
            self.late.extend(jobs)
            self.missed_slots += len(jobs)
