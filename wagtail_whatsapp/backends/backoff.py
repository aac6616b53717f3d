"""How long to wait before calling the Graph API again after a retryable error, for every sender alike."""

import random


def retry_delay(hint, attempts, *, base, maximum):
    """Meta's suggested delay (``hint``, or ``base``), doubled for each attempt already made, at most ``maximum``,
    plus up to 25 % jitter so that the senders a fault hit together do not come back together."""
    first = hint if hint is not None else base
    return min(maximum, first * 2**attempts) * random.uniform(1.0, 1.25)
