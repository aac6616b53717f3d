"""What a failed call means for its delivery and its broadcast (``BroadcastSender`` mixes this in).

A recipient's error fails that delivery alone; a retryable one is tried again later, backing off, up to
``MAX_ATTEMPTS`` calls, unless the request may have reached Meta (then it is in doubt, for its status webhook to
settle); 130429 (too fast) slows every sender of the number down; an error that is not the subscriber's (token,
template, policy) leaves the delivery for after the resume and pauses the broadcast, with the reason for the editor,
after ``FATAL_ERRORS_TO_PAUSE`` such calls.
"""

import logging

from django.db.models import F
from django.utils.translation import gettext as _

from wagtail_whatsapp.backends.backoff import retry_delay
from wagtail_whatsapp.backends.base import ErrorKind
from wagtail_whatsapp.models import Delivery
from wagtail_whatsapp.outbound import delivery_claims as claims
from wagtail_whatsapp.outbound.progress import failure_reason

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = 2.0  # seconds before the first retry; doubles each attempt
BACKOFF_MAX = 300.0
FATAL_ERRORS_TO_PAUSE = 3


def backoff(hint, attempts):
    return retry_delay(hint, attempts, base=BACKOFF_BASE, maximum=BACKOFF_MAX)


class SendFailures:
    def _on_error(self, pk, token, attempts, error):
        masked = {"error_code": error.code, "error_reason": str(error.message)[:500]}
        if error.kind == ErrorKind.FATAL:
            claims.retry_later(
                pk, token, 0, count_attempt=False
            )  # not this subscriber's fault: send it after the resume
            with self.lock:
                self.fatal_errors += 1
                trip = self.fatal_errors >= FATAL_ERRORS_TO_PAUSE
            if trip:
                reason = _("Paused: WhatsApp refused the messages (error %(code)s). %(reason)s Fix it, then resume.")
                self._pause(reason % {"code": error.code, "reason": failure_reason(error.code)})
                logger.warning("WhatsApp: broadcast %s paused after error %s", self.broadcast_id, error.code)
            return
        if error.kind == ErrorKind.RECIPIENT:
            self._finish(pk, token, Delivery.Status.FAILED, "failed_count", attempts=F("attempts") + 1, **masked)
            return
        if error.kind == ErrorKind.RATE_LIMITED:
            self.limiter.slow_down()
            claims.retry_later(pk, token, backoff(error.retry_after, 0), count_attempt=False)
            return
        if attempts + 1 >= MAX_ATTEMPTS:
            self._finish(pk, token, Delivery.Status.FAILED, "failed_count", attempts=F("attempts") + 1, **masked)
            return
        if error.ambiguous:
            # It may have reached Meta: keep it "sending" (in doubt) so its status webhook can settle it first.
            claims.keep_in_doubt(pk, token)
            return
        claims.retry_later(pk, token, backoff(error.retry_after, attempts))

    def _finish(self, pk, token, status, counter, **changes):
        if claims.mark_final(pk, token, status, **changes):
            self._count(counter)
