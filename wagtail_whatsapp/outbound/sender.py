"""Sending one broadcast: a dispatcher claims deliveries, a pool of threads sends them at the shared pace.

Guarantees (see docs/broadcasting.md):
- nobody gets it twice: a delivery is claimed (pending → sending, one conditional UPDATE) before its send, the claim
  is a lease the sender renews while it lives (``claim_leases.py``), and a delivery left "sending" by a crash or a
  timeout waits ``DELIVERY_STATUS_GRACE_SECONDS`` for its status webhook (which moves it to sent) before it is tried
  again;
- nobody unsubscribed, and nothing after a pause or cancel: the subscriber's and the broadcast's status are read in
  the same query right before the calls, for the calls of the next 100 ms at most (``feeding.py``; one call at a time
  when the sender has no threads);
- the pace is the database-backed limiter shared by every consumer (``ratelimit.py``), its slots reserved a block at
  a time and handed to the threads with one read per few calls (``feeding.py``); the calls Meta accepted are
  recorded a block at a time (``sent_buffer.py``), on SQLite by a thread that also claims ahead (``bookkeeping.py``);
- retryable errors back off, 130429 slows every sender down, and an error fatal for the broadcast (token, template,
  policy) pauses it with the reason for the editor (``send_failures.py``).
"""

import logging
import math
import threading
import time
from collections import Counter, deque
from functools import partial

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail_whatsapp import conf
from wagtail_whatsapp.backends import deadline, get_backend
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.models import Broadcast, Delivery, Subscriber, WhatsAppSettings
from wagtail_whatsapp.outbound import claim_leases, composing, messaging_limit, send_failures, sender_outcomes, urgent
from wagtail_whatsapp.outbound import delivery_claims as claims
from wagtail_whatsapp.outbound.bookkeeping import AHEAD_SECONDS, Bookkeeper, ClaimsAhead
from wagtail_whatsapp.outbound.claim_leases import ClaimLease
from wagtail_whatsapp.outbound.feeding import CHUNK_MAX, CHUNK_SECONDS, Feeding
from wagtail_whatsapp.outbound.media import MediaRefused
from wagtail_whatsapp.outbound.ratelimit import limiter_for
from wagtail_whatsapp.outbound.schedule import HEARTBEAT_EVERY
from wagtail_whatsapp.outbound.send_failures import SendFailures
from wagtail_whatsapp.outbound.sent_buffer import SentBuffer
from wagtail_whatsapp.outbound.worker_pool import run_pool, worker_count
from wagtail_whatsapp.writelock import serialized_writes

logger = logging.getLogger(__name__)

IDLE_POLL = 0.2
RECONCILE_EVERY = 2.0
CLAIM_BATCH = 200
BOOKKEEPER_WAIT = 0.005
# Nothing due for longer than this (more than any retry's backoff): pause until then instead of holding a worker.
LONG_WAIT = 600.0


class BroadcastSender(Feeding, SendFailures):
    def __init__(self, broadcast_id):
        self.broadcast_id = broadcast_id
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.lease = ClaimLease(broadcast_id)
        self.counts = Counter()  # counter increments not yet written to the Broadcast row
        self.fatal_errors = 0
        self.backend_factory = None  # set by run(), for the broadcast's number
        self.limiter = None
        self.grace = conf.delivery_status_grace_seconds()
        self.snapshot = None
        self.quota = None  # the number's daily messaging limit, when templates are sent and Meta limits them
        self.quota_exhausted = False
        self.phone_number_id = None
        self.sent = SentBuffer()
        self.late = deque()  # (pk, attempts, token) of jobs whose slot was missed: they need a new one, and a new read
        self.missed_slots = 0  # slots of the pace given up (a busy machine): a share of the cap not used
        self.chunk_size = 1
        self.read_group = 1  # calls one read serves at most: one unless threads make them side by side
        self.ahead = ClaimsAhead(broadcast_id, self.lease, CLAIM_BATCH)  # what the next calls are for

    # --- the dispatcher ---------------------------------------------------------------------------------------------
    def run(self):
        now = timezone.now()
        started = Broadcast.objects.filter(
            pk=self.broadcast_id, status__in=[Broadcast.Status.QUEUED, Broadcast.Status.SENDING]
        ).update(status=Broadcast.Status.SENDING, heartbeat_at=now)
        if not started:
            return False
        broadcast = Broadcast.objects.select_related("site", "template").get(pk=self.broadcast_id)
        if sender_outcomes.refuse_unfit_template(broadcast):
            return False
        Broadcast.objects.filter(pk=broadcast.pk, started_at__isnull=True).update(started_at=now)
        phone_number_id = self.phone_number_id = WhatsAppSettings.for_site(broadcast.site).sending_number_id
        self.backend_factory = lambda: get_backend(phone_number_id)
        self.limiter = limiter_for(phone_number_id)
        if broadcast.urgent and urgent.make_way(broadcast.pk, phone_number_id):
            logger.info("WhatsApp: urgent broadcast %s goes ahead of the number's other broadcasts", broadcast.pk)
        if broadcast.fanned_out_at is None:
            claims.fan_out(broadcast)
        if not self._prepare_media(broadcast):
            return False
        self.snapshot = composing.Snapshot.of(broadcast)
        if self.snapshot.template_name:
            self.quota = messaging_limit.DailyQuota.for_number(phone_number_id, self.backend_factory)
        share = conf.messages_per_second() / conf.broadcast_senders()  # its share of the cap
        self.chunk_size = max(1, min(CHUNK_MAX, math.floor(share * CHUNK_SECONDS)))
        self.ahead.batch = max(1, min(CLAIM_BATCH, math.ceil(share * AHEAD_SECONDS)))
        workers = worker_count(share)
        try:
            if workers <= 1:
                self._run_inline()
            else:
                self.read_group = self.chunk_size
                self._run_pool(workers)
        finally:
            self._flush_sent()
            self._flush_counts()
            self.lease.settle_waiting()
            went_out = self.lease.unsettled(claims.keep_in_doubt) + self.sent.waiting()
            claims.release(self.broadcast_id, self.lease.owner, keep=went_out)
        if self.missed_slots:
            # A busy machine: the sender, Meta's status webhooks and the site want more CPU than there is.
            logger.info("WhatsApp: broadcast %s missed %d slots of the pace", self.broadcast_id, self.missed_slots)
        return sender_outcomes.finish_if_complete(self.broadcast_id)

    def _run_inline(self):
        backend = self.backend_factory()
        try:
            self._dispatch(lambda job: self._send_one(backend, job), capacity=lambda: CLAIM_BATCH, idle=lambda: True)
        finally:
            backend.close()

    def _run_pool(self, workers):
        on_moved, reconcile = partial(self._count, "sent_count"), (self._reconcile, RECONCILE_EVERY)
        stop, send_one = self.stop_event, self._send_one
        pool = partial(run_pool, workers, backend_factory=self.backend_factory, send_one=send_one, stop_event=stop)
        with Bookkeeper.if_wanted(self.ahead, self.sent, on_moved=on_moved, reconcile=reconcile, stop_event=stop):
            pool(dispatch=self._dispatch)

    def _dispatch(self, submit, capacity, idle):
        last_beat = last_reconcile = last_due_check = 0.0
        while not self.stop_event.is_set():
            if not self.ahead.by_bookkeeper:
                self.lease.keep()
            self._flush_sent_if_due()
            now = time.monotonic()
            if now - last_beat >= HEARTBEAT_EVERY:
                last_beat = now
                self._flush_counts()
                with serialized_writes():
                    Broadcast.objects.filter(pk=self.broadcast_id).update(heartbeat_at=timezone.now())
            if now - last_reconcile >= RECONCILE_EVERY:
                last_reconcile = now
                if not self._still_sending() or self._yielded_to_urgent():
                    break
                if not self.ahead.by_bookkeeper:
                    self._reconcile()
                if self.quota is not None:
                    self.quota.refresh()  # what other senders of the number used meanwhile
            free = capacity()
            if free <= 0:
                time.sleep(0.005)
                continue
            if self.late:
                self._feed([self.late.popleft() for _ in range(min(free, len(self.late)))], submit)
                continue
            jobs = self.ahead.take(min(free, CLAIM_BATCH))
            if jobs:
                self._feed(jobs, submit)
                continue
            if self.ahead.by_bookkeeper and not self.ahead.found_none:
                time.sleep(BOOKKEEPER_WAIT)  # the bookkeeper claims the next batch
                continue
            if idle():
                self.lease.settle_waiting()  # outcomes the database refused to record so far
                self._flush_sent()
                self._flush_counts()
                if not self._still_sending() or not claims.outstanding(self.broadcast_id):
                    break
                if now - last_due_check >= RECONCILE_EVERY:  # three queries: not on every idle poll
                    last_due_check = now
                    due = claims.next_due_at(self.broadcast_id)
                    if due is not None and (due - timezone.now()).total_seconds() > LONG_WAIT:
                        sender_outcomes.pause_until(self.broadcast_id, self.quota, due)
                        self.stop_event.set()
                        break
            time.sleep(IDLE_POLL)

    def _reconcile(self):
        claims.reconcile_in_doubt(self.broadcast_id, self.lease.owner, self.grace)

    def _still_sending(self):
        sending = Broadcast.objects.filter(pk=self.broadcast_id, status=Broadcast.Status.SENDING).exists()
        if not sending:
            self.stop_event.set()
        return sending

    def _yielded_to_urgent(self):
        """An urgent alert waits or goes out on the same number: pause, and go on by itself after it (urgent.py)."""
        urgent_id = urgent.urgent_ahead(self.broadcast_id, self.phone_number_id)
        if urgent_id is None:
            return False
        if urgent.yield_to(self.broadcast_id, urgent_id):
            logger.info("WhatsApp: broadcast %s pauses for urgent broadcast %s", self.broadcast_id, urgent_id)
        self.stop_event.set()
        return True

    def _flush_sent(self):
        self._count("sent_count", self.sent.flush())

    def _flush_sent_if_due(self):
        """The dispatcher's own record of sent calls: none while the bookkeeper records them."""
        if not self.ahead.by_bookkeeper and self.sent.due():
            self._flush_sent()

    def _flush_counts(self):
        with self.lock:
            counts, self.counts = self.counts, Counter()
        if counts:
            with serialized_writes():
                Broadcast.objects.filter(pk=self.broadcast_id).update(**{n: F(n) + c for n, c in counts.items()})

    def _pause(self, reason):
        sender_outcomes.pause(self.broadcast_id, reason)
        self.stop_event.set()

    def _defer_for_quota(self, pk, token):
        """Today's places are used: this delivery, and every other one that needs the template, waits for tomorrow's."""
        until = self.quota.frees_at()
        claims.defer(pk, token, until)
        with self.lock:
            first, self.quota_exhausted = not self.quota_exhausted, True
        if first:
            claims.defer_template_recipients(self.broadcast_id, until, self.quota.site_ids)

    def _prepare_media(self, broadcast):
        backend = self.backend_factory()
        try:
            composing.upload_broadcast_media(
                broadcast, backend, attempts=send_failures.MAX_ATTEMPTS, retry_delay=send_failures.backoff
            )
        except (WhatsAppError, MediaRefused, OSError) as error:
            self._pause(_("The media could not be uploaded to WhatsApp: %(error)s") % {"error": error})
            return False
        finally:
            backend.close()
        return True

    # --- one message ----------------------------------------------------------------------------------------------
    def _send_one(self, backend, job):
        """Wait for the job's slot and call. A slot missed (a busy interpreter) is not used: the delivery goes back to
        the dispatcher for the next free one, and is read again before it. The backend checks the slot again right
        before it writes the request (``backends/deadline.py``): a thread held up in between sends nothing."""
        pk, attempts, token, slot, (*ready, claimed_at) = job
        if not self.limiter.wait_for(slot, self.stop_event.is_set):
            return
        if self.limiter.is_late(slot):
            self._missed([(pk, attempts, token)])
            return
        try:
            if not claim_leases.is_fresh(claimed_at) and not claim_leases.renew_one(pk, token):
                return  # held up past its lease, and no longer holding it: whoever holds it sends it
        except Exception:  # noqa: BLE001 - a database fault must not kill the sender
            logger.exception("WhatsApp: delivery %s not sent: the database failed before the call", pk)
            self.lease.settle(claims.not_sent, pk, token)
            return
        try:
            with deadline.leave_by(self.limiter.last_moment(slot)):
                self._call(backend, pk, attempts, token, *ready)
        except Exception:  # noqa: BLE001 - recording the outcome failed: whether it went out is unknown
            logger.exception("WhatsApp: delivery %s in doubt after an unexpected error", pk)
            self.lease.settle(claims.keep_in_doubt, pk, token)

    def _call(self, backend, pk, attempts, token, status, phone_number, wa_user_id, last_inbound_at, subscriber_id):
        if status != Subscriber.Status.ACTIVE:
            self._finish(pk, token, Delivery.Status.SKIPPED, "skipped_count", error_reason=_("No longer subscribed."))
            return
        in_window = Subscriber.window_is_open(last_inbound_at)
        used_template = not in_window and bool(self.snapshot.template_name)
        if used_template and self.quota is not None and not self.quota.take(subscriber_id):
            self._defer_for_quota(pk, token)
            return
        to = phone_number.lstrip("+") if phone_number else wa_user_id
        try:
            result = composing.send_broadcast_message(
                backend, self.snapshot, to, in_window=in_window, callback_data=Delivery.callback_data_for(pk)
            )
        except deadline.CallTooLate:  # held up between the slot's check and the write: nothing sent
            self._missed([(pk, attempts, token)])
        except WhatsAppError as error:
            self._on_error(pk, token, attempts, error)
        except Exception as error:  # noqa: BLE001 - a bug or a broken connection must not kill the sender
            logger.exception("WhatsApp: unexpected error sending delivery %s", pk)
            # The request may have gone out: treat it as in doubt, never as certainly unsent.
            self._on_error(pk, token, attempts, WhatsAppError(repr(error), kind=ErrorKind.RETRYABLE, ambiguous=True))
        else:
            self._on_sent(pk, result, used_template)

    def _on_sent(self, pk, result, used_template):
        self.sent.add(pk, result.wamid, used_template)

    def _count(self, counter, increment=1):
        if increment:
            with self.lock:
                self.counts[counter] += increment


def send_broadcast(broadcast_id):
    """Send (or go on sending) a broadcast until it is done, paused or cancelled. True when it finished."""
    return BroadcastSender(broadcast_id).run()
