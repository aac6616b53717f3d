"""A sender's claims on deliveries are leases: held while it lives, taken over once it is gone.

Deliveries a sender claimed may wait a while before their call (behind the shared pace, behind a slow database), and a
call may last up to ``conf.longest_call_seconds()``. So the live sender renews its claims every ``RENEW_EVERY``
seconds, and calls Meta for a delivery only while its claim is younger than ``SEND_WITHIN`` (else it renews that one
first, and leaves it if it no longer holds it). Another sender takes a claim over only when it is older than
``lease_seconds()`` plus the grace period (``delivery_claims.reconcile_in_doubt``): long enough for the check, the
call and a margin, so a sender that is merely slow is never doubled, and a dead sender's claims are in doubt, like a
timeout's, once its lease has run out.

Every claimed batch has a token of its own, which starts with its sender's ``owner`` id: a job of a batch whose lease
lapsed (the sender froze) cannot send what the same sender claimed again meanwhile, nor settle it.

The lease compares wall clocks: senders on several machines need their clocks in step (NTP), well within the margin.
"""

import itertools
import logging
import threading
import time
import uuid

from django.db import Error as DatabaseFault
from django.utils import timezone

from wagtail_whatsapp import conf
from wagtail_whatsapp.models import Delivery
from wagtail_whatsapp.writelock import serialized

logger = logging.getLogger(__name__)

RENEW_EVERY = 5.0
SEND_WITHIN = 7.5
MARGIN = 5.0  # seconds: a sender frozen that long between its check and its call is still not doubled
OWNER_LENGTH = 20  # of the 32 characters of ``Delivery.claim_token``; the other 12 number the sender's batches


def lease_seconds():
    """How old a claim must be before another sender may take it over (plus the grace period)."""
    return SEND_WITHIN + conf.longest_call_seconds() + MARGIN


@serialized
def renew(broadcast_id, owner):
    """Renew every claim the sender ``owner`` still holds on the broadcast."""
    Delivery.objects.filter(
        broadcast_id=broadcast_id, status=Delivery.Status.SENDING, claim_token__startswith=owner
    ).update(claimed_at=timezone.now())


@serialized
def renew_one(pk, token):
    """True when the delivery is still held by the batch ``token``, now renewed; False when it is not any more."""
    return bool(
        Delivery.objects.filter(pk=pk, status=Delivery.Status.SENDING, claim_token=token).update(
            claimed_at=timezone.now()
        )
    )


def is_fresh(claimed_at):
    """Young enough to call Meta on without renewing first (``claimed_at`` as read right before the call)."""
    return claimed_at is not None and (timezone.now() - claimed_at).total_seconds() <= SEND_WITHIN


class ClaimLease:
    """One sender's claims on a broadcast: a token for each batch it claims, and their renewal every
    ``RENEW_EVERY`` seconds by whichever of its threads comes first (``keep``); the others go on without waiting."""

    def __init__(self, broadcast_id):
        self.broadcast_id = broadcast_id
        self.owner = uuid.uuid4().hex[:OWNER_LENGTH]
        self.renewed = time.monotonic()
        self._batches = itertools.count()
        self._renewing = threading.Lock()
        self._unsettled = {}  # (pk, token) → the write that records its outcome, refused by the database so far
        self._unsettled_lock = threading.Lock()

    def batch_token(self):
        return f"{self.owner}{next(self._batches):012x}"

    def keep(self):
        if time.monotonic() - self.renewed < RENEW_EVERY or not self._renewing.acquire(blocking=False):
            return
        try:
            started = time.monotonic()
            renew(self.broadcast_id, self.owner)
            self.renewed = started
        except DatabaseFault:
            # A locked or lost database: sending goes on, and the next call renews (its claims are checked one by one
            # before each call anyway).
            logger.warning("WhatsApp: claims of broadcast %s not renewed this time", self.broadcast_id, exc_info=True)
        finally:
            self._renewing.release()

    def settle(self, record, pk, token):
        """``record(pk, token)`` now or, the database refusing it, again at each ``settle_waiting`` (the sender calls
        it when idle and before it stops), so that no claim is left "sending" under a live sender."""
        try:
            record(pk, token)
        except DatabaseFault:
            logger.warning("WhatsApp: the outcome of delivery %s is not recorded yet", pk, exc_info=True)
            with self._unsettled_lock:
                self._unsettled[(pk, token)] = record

    def settle_waiting(self):
        with self._unsettled_lock:
            waiting, self._unsettled = self._unsettled, {}
        for (pk, token), record in waiting.items():
            self.settle(record, pk, token)

    def unsettled(self, record=None):
        """The deliveries whose outcome is still unrecorded (by ``record``, when given)."""
        with self._unsettled_lock:
            return [pk for (pk, _token), waiting in self._unsettled.items() if record in (None, waiting)]
