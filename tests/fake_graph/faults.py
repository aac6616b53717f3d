"""The fault knobs of the fake (5xx, timeouts, rate limit, failing recipients) and the draws behind them.

Every draw happens under ``FakeGraph.lock``, in the order requests arrive, so a seeded run is repeatable in share.
"""

import bisect
import random
import time

from .validation import digits, meta_error


class FaultKnobs:
    def _init_faults(self):
        self.latency = 0.0
        self.error_5xx_rate = 0.0
        self.error_5xx_style = "json"
        self.timeout_rate = 0.0
        self.timeout_mode = "hold"
        self.timeout_accepts = True
        self.hold_seconds = 2.0
        self.rate_limit_per_second = None
        self.recipient_errors = {}
        self.block_failures = {}
        self.token_fails_after = None
        self.scripted_answers = []

    def _reset_faults(self):
        self.rng = random.Random(self.seed)
        self._recent = []  # accepted arrival times of the last seconds, sorted, for the rate limit

    def _scripted_answer(self):
        """The next of ``scripted_answers`` as ``(status, payload)``, taken off the list, or None."""
        with self.lock:
            return tuple(self.scripted_answers.pop(0)) if self.scripted_answers else None

    def _draw(self, rate):
        return rate > 0 and self.rng.random() < rate

    def _server_error(self):
        """A drawn 5xx answer ``(status, payload)``, or None. Call with the lock held."""
        if not self._draw(self.error_5xx_rate):
            return None
        self.errors[2] += 1
        if self.error_5xx_style == "html":
            return 502, "<html><body><h1>502 Bad Gateway</h1></body></html>"
        return 500, meta_error(2)

    def _recipient_error(self, to):
        """The error answer configured for this recipient, or None. Call with the lock held."""
        code = self.recipient_errors.get(to) or self.recipient_errors.get(digits(to))
        if code is None:
            code = {digits(k): v for k, v in self.recipient_errors.items()}.get(digits(to))
        if not code:
            return None
        self.errors[code] += 1
        return 400, meta_error(code)

    def _rate_limited(self, now):
        """True when one more accepted send now would exceed ``rate_limit_per_second``. Call with the lock held."""
        # Requests finish their simulated latency out of arrival order: keep the times sorted and check both
        # 1-second windows that end or start at this arrival.
        recent = self._recent
        if recent and recent[0] < recent[-1] - 2.0:
            del recent[: bisect.bisect_left(recent, recent[-1] - 2.0)]
        limit = self.rate_limit_per_second
        before = bisect.bisect_right(recent, now) - bisect.bisect_right(recent, now - 1.0)
        after = bisect.bisect_left(recent, now + 1.0) - bisect.bisect_left(recent, now)
        if limit is not None and max(before, after) >= limit:
            self.errors[130429] += 1
            return True
        return False

    def _block_failure(self, user):
        return self.block_failures.get(user) or {digits(k): v for k, v in self.block_failures.items()}.get(digits(user))

    def _token_expired(self):
        with self.lock:
            self.api_calls += 1
            return self.token_fails_after is not None and self.api_calls > self.token_fails_after

    def _wait_latency(self):
        if self.latency:
            time.sleep(self.latency)
