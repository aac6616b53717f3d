"""``python -m tests.fake_graph``: the fake as a standalone server, e.g. for a benchmark (see the package docstring)."""

import argparse
import json
import signal
import sys
import threading

from .server import DEFAULT_TOKEN, FakeGraph


def main(argv=None):
    parser = argparse.ArgumentParser(description="A fake WhatsApp Cloud API (Graph API) for tests and benchmarks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=None, help="130429 above this many messages/s")
    parser.add_argument("--error-5xx-rate", type=float, default=0.0)
    parser.add_argument("--timeout-rate", type=float, default=0.0)
    parser.add_argument("--timeout-mode", choices=["hold", "drop"], default="hold")
    parser.add_argument("--hold-seconds", type=float, default=2.0)
    parser.add_argument("--token-fails-after", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stats-file", default="", help="write the stats as JSON here on exit")
    args = parser.parse_args(argv)
    fake = FakeGraph(
        host=args.host,
        port=args.port,
        token=args.token,
        seed=args.seed,
        latency=args.latency,
        rate_limit_per_second=args.rate_limit,
        error_5xx_rate=args.error_5xx_rate,
        timeout_rate=args.timeout_rate,
        timeout_mode=args.timeout_mode,
        hold_seconds=args.hold_seconds,
        token_fails_after=args.token_fails_after,
    ).start()
    print(f"FAKE_GRAPH_URL={fake.url}", flush=True)
    print(f"FAKE_GRAPH_TOKEN={fake.token}", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    while not stopping.wait(0.5):
        pass
    fake.stop()
    if args.stats_file:
        with open(args.stats_file, "w") as stats_file:
            json.dump(fake.stats(), stats_file, indent=2)
    json.dump({k: v for k, v in fake.stats().items() if k != "per_second"}, sys.stdout)
    print(flush=True)
