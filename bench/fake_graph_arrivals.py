"""The fake Graph API (tests/fake_graph/) whose stats also count messages when their request *arrived*.

The fake stamps an accepted message after its artificial latency (150 ms here), so its per-second figures include the
fake's own scheduling jitter. Meta counts requests as they reach it: the arrival time is the fair measure of what a
sender puts on the wire. Both figures are printed by bench/broadcast.py. Same command line as ``-m tests.fake_graph``.
"""

import bisect
import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fake_graph import cli, server  # noqa: E402


def max_in_any_window(times, seconds=1.0):
    times = sorted(times)
    return max((bisect.bisect_left(times, t + seconds) - i for i, t in enumerate(times)), default=0)


def by_second(times):
    """Arrivals in each whole second from the first: where a run slowed down, not only how much."""
    counts = [0] * (int(times[-1] - times[0]) + 1) if times else []
    for t in times:
        counts[int(t - times[0])] += 1
    return counts


class ArrivalFakeGraph(server.FakeGraph):
    def stats(self):
        stats = super().stats()
        arrived = {id(request.json): request.at for request in list(self.requests) if request.json is not None}
        times = sorted(arrived[id(a.body)] for a in list(self.accepted) if id(a.body) in arrived)
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        stats["arrival_messages_per_second"] = round((len(times) - 1) / span, 2) if span else float(len(times))
        stats["arrival_max_in_any_second"] = max_in_any_window(times)
        stats["arrivals_by_second"] = by_second(times)
        return stats


if __name__ == "__main__":
    # The fake keeps every request in memory; a full garbage collection over 100,000 of them pauses it long enough
    # to stamp a backlog of requests with the same arrival time. A measuring instrument must not do that.
    gc.disable()
    cli.FakeGraph = ArrivalFakeGraph
    cli.main()
