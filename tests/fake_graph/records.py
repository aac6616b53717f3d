"""What the fake records of the requests it answered, and the figures benchmarks read from it."""

import bisect
import json
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    json: object
    at: float


@dataclass
class Accepted:
    to: str
    body: dict
    wamid: str
    at: float = field(default_factory=time.time)


class Figures:
    """Figures over ``self.accepted`` (a list of Accepted) and ``self.requests``; mixed into FakeGraph."""

    def duplicates(self):
        counts = Counter((a.to, json.dumps(a.body, sort_keys=True)) for a in list(self.accepted))
        return {key: n for key, n in counts.items() if n > 1}

    def per_second_counts(self):
        return dict(sorted(Counter(int(a.at) for a in list(self.accepted)).items()))

    def max_in_any_window(self, seconds=1.0):
        times = sorted(a.at for a in list(self.accepted))
        return max((bisect.bisect_left(times, t + seconds) - i for i, t in enumerate(times)), default=0)

    def stats(self):
        accepted = list(self.accepted)
        span = accepted[-1].at - accepted[0].at if len(accepted) > 1 else 0.0
        return {
            "requests": len(self.requests),
            "accepted": len(accepted),
            "recipients": len({a.to for a in accepted}),
            "duplicates": sum(n - 1 for n in self.duplicates().values()),
            "errors": {str(code): n for code, n in self.errors.items()},
            "duration_seconds": round(span, 3),
            "messages_per_second": round((len(accepted) - 1) / span, 2) if span else float(len(accepted)),
            "max_in_any_second": self.max_in_any_window(1.0),
            "per_second": {str(k): v for k, v in self.per_second_counts().items()},
        }
