"""Load check of tests/fake_graph: N concurrent clients sending through CloudBackend to a standalone fake.

    .venv/bin/python bench/fake_graph_load.py --port 18400 --clients 300 --messages 3000 --latency 0.15 --rate-limit 0

Prints the client-side figures (the sending process's CPU per message included) and the fake's own stats
(messages/s, max in any 1-second window, duplicates).
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=18400)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--rate-limit", type=float, default=0, help="0: no limit")
    args = parser.parse_args()

    import django

    django.setup()
    from wagtail_whatsapp.backends.base import WhatsAppError
    from wagtail_whatsapp.backends.cloud import CloudBackend

    command = [sys.executable, "-m", "tests.fake_graph", "--port", str(args.port), "--latency", str(args.latency)]
    if args.rate_limit:
        command += ["--rate-limit", str(args.rate_limit)]
    fake = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = fake.stdout.readline().strip().split("=", 1)[1]
        token = fake.stdout.readline().strip().split("=", 1)[1]
        backend = CloudBackend("1", access_token=token, base_url=url, concurrency=args.clients)

        def send(i):
            try:
                backend.send_text(f"+39333{i:07d}", "Notizia")
                return "ok"
            except WhatsAppError as exc:
                return str(exc.code)

        cpu_before, started = os.times(), time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            outcomes = list(pool.map(send, range(args.messages)))
        elapsed, cpu_after = time.monotonic() - started, os.times()
        with urllib.request.urlopen(f"{url}/_fake/stats") as answer:  # noqa: S310 (local fake)
            stats = json.load(answer)
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    print(f"clients={args.clients} messages={args.messages} latency={args.latency}s elapsed={elapsed:.2f}s")
    # The sending process's own CPU (user + system), the figure a consumer's throughput is bound by on few cores.
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    print(f"client CPU: {cpu:.2f}s, {cpu * 1000 / args.messages:.3f} ms per message")
    print(f"client: {outcomes.count('ok') / elapsed:.0f} accepted/s, outcomes={dict(sorted(_count(outcomes).items()))}")
    stats.pop("per_second")
    print("fake:", json.dumps(stats))


def _count(items):
    counts = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


if __name__ == "__main__":
    main()
