"""The shared pace: slots spaced by the cap, a slower pace after 130429, and two processes never above the cap."""

import bisect
import json

import pytest

from wagtail_whatsapp.outbound import ratelimit
from wagtail_whatsapp.outbound.ratelimit import SharedRateLimiter


def max_in_any_window(times, seconds=1.0):
    times = sorted(times)
    return max((bisect.bisect_left(times, t + seconds) - i for i, t in enumerate(times)), default=0)


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.mark.django_db
def test_slots_are_spaced_whoever_takes_them():
    clock = Clock()
    first = SharedRateLimiter("messages:test", per_second=10, clock=clock, sleep=clock.sleep)
    second = SharedRateLimiter("messages:test", per_second=10, clock=clock, sleep=clock.sleep)
    slots = [limiter.reserve() for limiter in (first, second, first, second)]
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert gaps == pytest.approx([1 / (10 * ratelimit.SAFETY)] * 3)
    # An idle limiter does not bank slots: after a pause the next slot is now, not a burst of old ones.
    clock.now += 60
    assert first.reserve() == pytest.approx(clock.now)


@pytest.mark.django_db
def test_acquire_waits_for_its_turn_and_after_130429_everyone_slows_down():
    clock = Clock()
    limiter = SharedRateLimiter("messages:slow", per_second=20, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(21):
        assert limiter.acquire()
    assert clock.now - start == pytest.approx(20 / (20 * ratelimit.SAFETY))
    other = SharedRateLimiter("messages:slow", per_second=20, clock=clock, sleep=clock.sleep)
    other.slow_down(seconds=100)
    before = clock.now
    for _ in range(10):
        assert limiter.acquire()
    assert clock.now - before == pytest.approx(10 / (20 * ratelimit.SAFETY * ratelimit.SLOW_DOWN_FACTOR), rel=0.06)


@pytest.mark.django_db
def test_acquire_gives_up_when_told_to_stop():
    clock = Clock()
    limiter = SharedRateLimiter("messages:stop", per_second=1, clock=clock, sleep=clock.sleep)
    assert limiter.acquire()
    assert limiter.acquire(should_stop=lambda: True) is None


@pytest.mark.slow
def test_two_processes_together_never_exceed_the_cap(process_database, tmp_path):
    import subprocess
    import sys

    from tests.process_site import ROOT, process_env

    cap = 100
    env = process_env(process_database, {"MESSAGES_PER_SECOND": cap})
    outputs = [tmp_path / "a.json", tmp_path / "b.json"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.process_sender", "limiter", "4", "8", str(output)], cwd=ROOT, env=env
        )
        for output in outputs
    ]
    assert all(process.wait(timeout=120) == 0 for process in processes)
    per_process = [json.loads(output.read_text()) for output in outputs]
    times = sorted(per_process[0] + per_process[1])
    assert all(len(taken) > cap for taken in per_process)  # both really took part
    assert max_in_any_window(times) <= cap
    # How close to the cap they get together is a benchmark's question (bench/broadcast.py), not a test's.
