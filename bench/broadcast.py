"""Benchmark: a broadcast against the fake Graph API (a separate process, 150 ms per call), versus a plain loop.

    .venv/bin/python bench/broadcast.py                 # 5,000 at caps 80 and 1,000; 50,000 at cap 1,000
    .venv/bin/python bench/broadcast.py --full          # also 50,000 at cap 80 (about 11 minutes more)
    .venv/bin/python bench/broadcast.py --sizes 500 --caps 80 --sequential 50   # a quick look

For each run it prints: messages/s (first to last accepted message, as the fake saw them), the highest count in any
1-second window (never above the cap), the consumer process's peak memory, and the duplicates (always 0). The
consumer is a real process running the same sender as the Huey task, on a file SQLite database (WAL).
A plain sequential loop of sends (one after the other, same backend) gives the baseline and the ratio.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]

from bench.fake_graph_arrivals import max_in_any_window  # noqa: E402
from tests.process_site import copy_database, django_setup, migrated_database, run  # noqa: E402

PORT = 18500


def fake_call(url, path, payload=None):
    """The fake's control endpoints (``url`` is always our own http://127.0.0.1 server)."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return json.loads(answer.read() or b"{}")


def start_fake(latency):
    process = subprocess.Popen(
        [sys.executable, "bench/fake_graph_arrivals.py", "--port", str(PORT), "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    found = {}
    while len(found) < 2:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the fake Graph API did not start")
        if "=" in line:
            key, value = line.strip().split("=", 1)
            found[key] = value
    return process, found["FAKE_GRAPH_URL"], found["FAKE_GRAPH_TOKEN"]


def prepare(db_path, size):
    """A site, a published news page and ``size`` subscribers inside their window; returns the page id."""
    from datetime import timedelta

    from django.utils import timezone
    from wagtail.models import Page, Site

    from town.models import HomePage, NewsIndexPage, NewsPage
    from wagtail_whatsapp.models import Subscriber

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Comune di Esempio", slug=f"bench-{size}"))
    Site.objects.all().delete()
    site = Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)
    index = home.add_child(instance=NewsIndexPage(title="Notizie", slug="notizie"))
    page = index.add_child(instance=NewsPage(title="Chiusura di via Roma", slug="via-roma", intro="Lavori."))
    page.save_revision().publish()
    recent = timezone.now() - timedelta(hours=1)
    batch = 5000
    for start in range(0, size, batch):
        Subscriber.objects.bulk_create(
            Subscriber(site=site, phone_number=f"+39333{n:07d}", last_inbound_at=recent, subscribed_at=recent)
            for n in range(start, min(size, start + batch))
        )
    return page.pk


def one_run(template_db, workdir, url, token, size, cap, workers):
    from django.db import connections

    db_path = copy_database(template_db, Path(workdir) / f"bench-{size}-{cap}.sqlite3")
    whatsapp = {
        "BACKEND": "cloud",
        "API_BASE_URL": url,
        "ACCESS_TOKEN": token,
        "MESSAGES_PER_SECOND": cap,
        "BROADCAST_WORKERS": workers,
        "READ_TIMEOUT": 10.0,
        # The throughput of an upgraded number is measured here, not Meta's daily limit for a new one (250 people).
        "MESSAGING_LIMIT": None,
    }
    for connection in connections.all():
        connection.close()
    connections["default"].settings_dict["NAME"] = str(db_path)
    from wagtail.models import Page

    from wagtail_whatsapp.outbound.broadcasts import start_broadcast

    page = Page.objects.get(pk=prepare(db_path, size))
    broadcast = start_broadcast(page)  # queued: the consumer below sends it
    connections["default"].close()
    fake_call(url, "/_fake/reset", {})
    times_file = Path(workdir) / f"send-times-{size}-{cap}.json"
    result = run(
        ["-m", "tests.process_sender", "send", str(broadcast.pk)],
        db_path,
        whatsapp,
        timeout=3600,
        WW_SEND_TIMES=times_file,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    consumer = json.loads(result.stdout.strip().splitlines()[-1])
    stats = fake_call(url, "/_fake/stats")
    return {
        "subscribers": size,
        "cap": cap,
        "workers": workers or "auto",
        "accepted": stats["accepted"],
        "recipients": stats["recipients"],
        "duplicates": stats["duplicates"],
        "messages_per_second": stats["messages_per_second"],
        "share_of_cap": round(100 * stats["messages_per_second"] / cap, 1),
        "max_in_any_second": stats["max_in_any_second"],
        "arrival_messages_per_second": stats["arrival_messages_per_second"],
        "arrival_max_in_any_second": stats["arrival_max_in_any_second"],
        "sender_max_in_any_second": max_in_any_window(json.loads(times_file.read_text())),
        "consumer_seconds": round(consumer["seconds"], 1),
        "peak_rss_mib": round(consumer["peak_rss_kib"] / 1024, 1),
    }


def sequential(url, token, count):
    """The baseline: one send after the other, no pool, no pace."""
    from wagtail_whatsapp.backends.cloud import CloudBackend

    backend = CloudBackend("106540352242922", access_token=token, base_url=url)
    started = time.perf_counter()
    for n in range(count):
        backend.send_text(f"39333{n:07d}", "Chiusura di via Roma")
    seconds = time.perf_counter() - started
    backend.close()
    return count / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--caps", default="80,1000")
    parser.add_argument("--full", action="store_true", help="run every size at every cap")
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--workers", type=int, default=0, help="BROADCAST_WORKERS (0: automatic)")
    parser.add_argument("--sequential", type=int, default=100, help="messages in the plain loop")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    caps = [float(cap) for cap in args.caps.split(",")]

    workdir = tempfile.mkdtemp(prefix="wagtail-whatsapp-bench-")
    template_db = migrated_database(workdir)
    django_setup(copy_database(template_db, Path(workdir) / "driver.sqlite3"))
    fake, url, token = start_fake(args.latency)
    try:
        rows = []
        for size in sizes:
            for cap in caps:
                # 50,000 at 80/s takes over ten minutes; by default the large run is at the highest cap only.
                if size != min(sizes) and cap != max(caps) and not args.full:
                    continue
                rows.append(one_run(template_db, workdir, url, token, size, cap, args.workers))
                print(json.dumps(rows[-1]), flush=True)
        fake_call(url, "/_fake/reset", {})
        baseline = sequential(url, token, args.sequential)
    finally:
        fake.terminate()
        fake.wait()

    print()
    print(f"fake Graph API latency {args.latency * 1000:.0f} ms per call; sequential loop: {baseline:.1f} messages/s")
    print("max/1s: the highest count of messages in any 1-second window, as the fake stamped them (after its")
    print("latency), as they arrived at the fake, and as the consumer sent them.")
    header = (
        f"{'subscribers':>11} {'cap':>6} {'msg/s':>8} {'% cap':>6} {'max/1s':>7} {'arrival':>8} {'sender':>7}"
        f" {'peak MiB':>9} {'×loop':>7} dup"
    )
    print(header)
    for row in rows:
        print(
            f"{row['subscribers']:>11} {row['cap']:>6.0f} {row['messages_per_second']:>8.1f}"
            f" {row['share_of_cap']:>6.1f} {row['max_in_any_second']:>7} {row['arrival_max_in_any_second']:>8}"
            f" {row['sender_max_in_any_second']:>7} {row['peak_rss_mib']:>9.1f}"
            f" {row['messages_per_second'] / baseline:>7.1f} {row['duplicates']}"
        )
    by_size = {}
    for row in rows:
        by_size.setdefault(row["cap"], {})[row["subscribers"]] = row["peak_rss_mib"]
    for cap, peaks in by_size.items():
        if len(peaks) > 1:
            small, large = peaks[min(peaks)], peaks[max(peaks)]
            print(f"peak memory at cap {cap:.0f}: {max(peaks):,} vs {min(peaks):,} subscribers = {large / small:.2f}×")


if __name__ == "__main__":
    main()
