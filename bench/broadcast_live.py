"""Benchmark: a broadcast as a town runs it, with Meta calling back while it goes on.

    .venv/bin/python bench/broadcast_live.py                                  # SQLite + SqliteHuey, cap 80
    .venv/bin/python bench/broadcast_live.py --cap 1000 --subscribers 20000
    DATABASE_URL=postgres://... HUEY_REDIS_URL=redis://... \\
        .venv/bin/python bench/broadcast_live.py --cap 1000 --consumers 3 --subscribers 20000
    ... --numbers 10 --cap 80 --consumers 4                                   # 10 towns' numbers at once

Every process is real and separate, as in production: the example site under gunicorn (its webhook), ``manage.py
run_huey`` consumers (they send the broadcast AND apply the statuses), and Meta's side, ``bench/fake_meta.py``: the
fake Graph API (150 ms per call) that answers each accepted message with three signed, batched status webhooks
(sent, delivered, read: 3 × the send rate) to the site's webhook. Each number is a site of its own with its own
``phone_number_id`` and its own cap.

One table per run, for the broadcast and for a plain sequential loop of sends (the baseline, same site and same
callbacks): messages/s (first to last accepted, as arrived at the fake), share of the cap, the most in any 1-second
window, statuses applied/s, status lag (webhook's arrival → the Delivery row moved: ``received_at`` → ``handled_at``
of each stored status, for statuses that arrived while the broadcast was sending), the consumers' peak memory,
duplicates and missing recipients.
"""

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = ROOT / "example_site"
PYTHON = sys.executable
SECRET = "bench-app-secret"
FIRST_NUMBER_ID = 106540352242000


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url, payload=None):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (our own 127.0.0.1 servers)
        return json.loads(answer.read() or b"{}")


def site_env(var_dir, fake_url, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "DJANGO_"))}
    env.update(
        EXAMPLE_SITE_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="esempio.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(SITE_DIR)]),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        WHATSAPP_BACKEND="cloud",
        WHATSAPP_API_BASE_URL=fake_url,
        WHATSAPP_ACCESS_TOKEN="fake-graph-token",
        WHATSAPP_APP_SECRET=SECRET,
        WHATSAPP_VERIFY_TOKEN="bench-verify",
        WHATSAPP_PHONE_NUMBER_ID=str(FIRST_NUMBER_ID),
        WHATSAPP_WABA_ID="102290129340398",
        WHATSAPP_MESSAGES_PER_SECOND=str(args.cap),
        WHATSAPP_MESSAGING_LIMIT="none",  # the throughput of an upgraded number, not Meta's limit for a new one
        WHATSAPP_LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        PYTHONUNBUFFERED="1",
    )
    return env


def prepare(args):
    """Sites (one per number), each with a published page and its subscribers inside the window; returns pages."""
    from datetime import timedelta

    from django.utils import timezone
    from wagtail.models import Page, Site

    from town.models import HomePage, NewsIndexPage, NewsPage
    from wagtail_whatsapp.models import Subscriber, WhatsAppSettings

    root = Page.get_first_root_node()
    Site.objects.all().delete()
    recent = timezone.now() - timedelta(hours=1)
    pages = []
    for n in range(args.numbers):
        home = root.add_child(instance=HomePage(title=f"Comune {n}", slug=f"comune-{n}"))
        site = Site.objects.create(hostname=f"comune{n}.example", port=80, root_page=home, is_default_site=n == 0)
        settings = WhatsAppSettings.for_site(site)
        settings.phone_number_id = str(FIRST_NUMBER_ID + n)
        settings.save()
        index = home.add_child(instance=NewsIndexPage(title="Notizie", slug="notizie"))
        for title in ("Chiusura di via Roma", "Mercato spostato"):
            page = index.add_child(instance=NewsPage(title=title, slug=title.lower().replace(" ", "-"), intro="."))
            page.save_revision().publish()
        pages.append(page)
        for start in range(0, args.subscribers, 5000):
            Subscriber.objects.bulk_create(
                Subscriber(site=site, phone_number=f"+39{n:02d}3{i:07d}", last_inbound_at=recent, subscribed_at=recent)
                for i in range(start, min(args.subscribers, start + 5000))
            )
    return pages


def start_consumers(env, count, workers, worker_type, logs_dir):
    processes = []
    options = ["--workers", str(workers)] if workers else []
    options += ["--worker-type", worker_type] if worker_type else []
    for n in range(count):
        log = open(logs_dir / f"consumer-{n}.log", "w")  # noqa: SIM115 (open for the process's life)
        command = [PYTHON, "manage.py", "run_huey", *options]
        processes.append(subprocess.Popen(command, cwd=SITE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT))
    deadline = time.time() + 60
    while not all("consumer started" in (logs_dir / f"consumer-{n}.log").read_text().lower() for n in range(count)):
        if time.time() > deadline or any(p.poll() is not None for p in processes):
            raise SystemExit("a consumer did not start; see " + str(logs_dir))
        time.sleep(0.2)
    return processes


def peak_rss_mib(process):
    """The highest peak of the consumer and of its worker processes (``--worker-type process``)."""
    peaks = [0.0]
    for pid in family(process.pid, process_table()):
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in lines if line.startswith("VmHWM:")]
    return max(peaks)


def cpu_seconds(pid):
    """CPU time (user + system) of ``pid`` and its child processes (gunicorn's workers), in seconds."""
    table = process_table()
    return sum(table[member][1] for member in family(pid, table) if member in table) / os.sysconf("SC_CLK_TCK")


def process_table():
    """``{pid: (parent pid, utime + stime in ticks)}`` of every process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def family(pid, table):
    """``pid`` and its descendants, three generations deep."""
    members = {pid}
    for _ in range(3):
        members |= {child for child, (parent, _ticks) in table.items() if parent in members}
    return members


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            from wagtail_whatsapp.models import StatusUpdate

            handled = StatusUpdate.objects.filter(handled_at__isnull=False).count()
            raise SystemExit(f"timed out waiting for {what}: {StatusUpdate.objects.count()} stored, {handled} handled")
        time.sleep(0.5)


def status_figures(delivery_filter):
    """Statuses applied/s and lag (received → handled) of the statuses of the deliveries ``delivery_filter``
    selects, counting for the lag those that arrived between the first and the last accepted message."""
    from wagtail_whatsapp.models import Delivery, StatusUpdate

    deliveries = Delivery.objects.filter(**delivery_filter)
    wamids = deliveries.exclude(wamid="").values("wamid")
    rows = list(StatusUpdate.objects.filter(wamid__in=wamids).values_list("received_at", "handled_at"))
    handled = [(r, h) for r, h in rows if h is not None]
    sent_times = sorted(t for t in deliveries.values_list("sent_at", flat=True) if t)
    if not handled or not sent_times:
        return {"statuses": len(rows), "applied_per_second": 0.0, "lag_median": None, "lag_p99": None}
    span = (max(h for _r, h in handled) - min(r for r, _h in handled)).total_seconds()
    during = [(h - r).total_seconds() for r, h in handled if sent_times[0] <= r <= sent_times[-1]]
    lags = sorted(during or [(h - r).total_seconds() for r, h in handled])
    return {
        "statuses": len(rows),
        "handled": len(handled),
        "applied_per_second": round(len(handled) / span, 1) if span else float(len(handled)),
        "lag_median": round(statistics.median(lags), 2),
        "lag_p99": round(lags[min(len(lags) - 1, int(len(lags) * 0.99))], 2),
    }


def all_statuses_handled(expected):
    from wagtail_whatsapp.models import StatusUpdate

    return StatusUpdate.objects.filter(handled_at__isnull=False).count() >= expected


def broadcast_run(args, pages, fake_url):
    from wagtail_whatsapp.models import Broadcast
    from wagtail_whatsapp.outbound.broadcasts import start_broadcast

    get_json(fake_url + "/_fake/reset", {})
    broadcasts = [start_broadcast(page) for page in pages]  # queued: the consumers send them
    ids = [b.pk for b in broadcasts]
    wait_for(
        lambda: Broadcast.objects.filter(pk__in=ids, status=Broadcast.Status.DONE).count() == len(ids),
        args.subscribers * 3 / args.cap + 300,
        "the broadcasts",
    )
    stats = get_json(fake_url + "/_fake/stats")
    expected = 0 if args.no_callbacks else 3 * stats["accepted"]
    wait_for(lambda: all_statuses_handled(expected), 600, "the statuses")
    return ids, stats


def sequential_run(args, fake_url, site_pages):
    """The baseline: one send after another through the same backend, each marked sent, statuses coming back."""
    from django.utils import timezone

    from wagtail_whatsapp.backends.cloud import CloudBackend
    from wagtail_whatsapp.models import Broadcast, Delivery, StatusUpdate, Subscriber

    page = site_pages[0].get_prev_sibling().specific  # the site's other page
    site = site_pages[0].get_site()
    broadcast = Broadcast.objects.create(site=site, page=page, title=page.title, status=Broadcast.Status.DONE)
    before = StatusUpdate.objects.count()
    get_json(fake_url + "/_fake/reset", {})
    backend = CloudBackend(str(FIRST_NUMBER_ID), access_token="fake-graph-token", base_url=fake_url)
    for subscriber in Subscriber.objects.filter(site=site).order_by("pk")[: args.sequential]:
        delivery = Delivery.objects.create(broadcast=broadcast, subscriber=subscriber, status=Delivery.Status.SENDING)
        result = backend.send_text(
            subscriber.phone_number.lstrip("+"), page.title, callback_data=delivery.callback_data
        )
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.SENT, wamid=result.wamid, sent_at=timezone.now()
        )
    backend.close()
    stats = get_json(fake_url + "/_fake/stats")
    expected = before + (0 if args.no_callbacks else 3 * stats["accepted"])
    wait_for(lambda: all_statuses_handled(expected), 120, f"the baseline's statuses ({expected} expected)")
    return broadcast.pk, stats


def row(name, cap, numbers, stats, figures, peak, expected_recipients):
    return {
        "run": name,
        "messages_per_second": stats["arrival_messages_per_second"],
        "share_of_cap": round(100 * stats["arrival_messages_per_second"] / cap, 1),
        "max_in_any_second": stats["arrival_max_in_any_second"],
        "per_number": stats.get("per_number", {}),
        "numbers": numbers,
        **figures,
        "peak_rss_mib": round(peak, 1),
        "duplicates": stats["duplicates"],
        "missing": expected_recipients - stats["recipients"],
        "arrivals_by_second": stats.get("arrivals_by_second", []),
    }


def print_table(args, rows, setup):
    print()
    print(setup)
    print(
        f"{'run':<12} {'msg/s':>7} {'% cap':>6} {'max/1s':>6} {'statuses/s':>10} {'lag med':>8} {'lag p99':>8}"
        f" {'peak MiB':>8} {'dup':>4} {'missing':>7}"
    )
    for r in rows:
        lag_median = "-" if r["lag_median"] is None else f"{r['lag_median']:.2f} s"
        lag_p99 = "-" if r["lag_p99"] is None else f"{r['lag_p99']:.2f} s"
        print(
            f"{r['run']:<12} {r['messages_per_second']:>7.1f} {r['share_of_cap']:>6.1f} {r['max_in_any_second']:>6}"
            f" {r['applied_per_second']:>10.1f} {lag_median:>8} {lag_p99:>8} {r['peak_rss_mib']:>8.1f}"
            f" {r['duplicates']:>4} {r['missing']:>7}"
        )
    if args.numbers > 1:
        print(f"per number (cap {args.cap:g}/s each): messages/s, % of cap, most in any second")
        for number_id, figures in sorted(rows[0]["per_number"].items()):
            share = 100 * figures["messages_per_second"] / args.cap
            print(
                f"  {number_id}: {figures['messages_per_second']:7.1f} {share:6.1f} % {figures['max_in_any_second']:>5}"
                f"  ({figures['accepted']} sent)"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=2000, help="per number")
    parser.add_argument("--cap", type=float, default=80, help="MESSAGES_PER_SECOND of each number")
    parser.add_argument("--numbers", type=int, default=1, help="towns' numbers broadcasting at once")
    parser.add_argument("--consumers", type=int, default=1, help="run_huey processes")
    parser.add_argument("--senders", type=int, default=0, help="BROADCAST_SENDERS (0: one per consumer)")
    parser.add_argument("--huey-workers", type=int, default=0, help="run_huey --workers (0: the site's setting)")
    parser.add_argument("--worker-type", choices=["thread", "process"], help="run_huey --worker-type (the site's)")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--sequential", type=int, default=100, help="messages in the baseline loop (0: none)")
    parser.add_argument("--no-callbacks", action="store_true", help="Meta sends no status webhooks (for comparison)")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="wagtail-whatsapp-live-"))
    fake_port, site_port = free_port(), free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    env = site_env(var_dir, fake_url, args)
    env["WHATSAPP_BROADCAST_SENDERS"] = str(args.senders or args.consumers)
    postgres = env.get("DATABASE_URL", "").startswith("postgres")
    if postgres:  # a fresh database for this run
        from urllib.parse import urlsplit

        url = urlsplit(env["DATABASE_URL"])
        name = f"live_{int(time.time())}"
        admin = ["psql", "-h", url.hostname, "-p", str(url.port), "-U", url.username or "postgres", "-d", "postgres"]
        subprocess.run([*admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = url._replace(path="/" + name).geturl()
    if env.get("HUEY_REDIS_URL"):
        import redis

        redis.Redis.from_url(env["HUEY_REDIS_URL"]).flushdb()
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=SITE_DIR, env=env, check=True)
    os.environ.update(env)
    sys.path[:0] = [str(ROOT), str(SITE_DIR)]
    import django

    django.setup()
    from django.db import connection

    pages = prepare(args)
    connection.close()

    gunicorn = [
        PYTHON, "-m", "gunicorn", "esempio.wsgi", "--bind", f"127.0.0.1:{site_port}",
        "--workers", str(args.gunicorn_workers), "--threads", "4", "--worker-class", "gthread",
        "--log-level", "warning",
    ]  # fmt: skip
    fake_command = [
        PYTHON, "bench/fake_meta.py", "--port", str(fake_port), "--latency", str(args.latency),
    ]  # fmt: skip
    if not args.no_callbacks:
        fake_command += ["--webhook-url", f"http://127.0.0.1:{site_port}/whatsapp/webhook/", "--app-secret", SECRET]
    processes = []
    try:
        processes.append(subprocess.Popen(gunicorn, cwd=SITE_DIR, env=env))
        processes.append(subprocess.Popen(fake_command, cwd=ROOT, stdout=subprocess.DEVNULL))
        consumers = start_consumers(env, args.consumers, args.huey_workers, args.worker_type, var_dir)
        print("logs and database in", var_dir, flush=True)
        processes.extend(consumers)
        time.sleep(1.0)
        cpu_before = [cpu_seconds(process.pid) for process in processes]
        started = time.time()
        ids, stats = broadcast_run(args, pages, fake_url)
        wall = time.time() - started
        cpu = [cpu_seconds(process.pid) - before for process, before in zip(processes, cpu_before, strict=True)]
        print(
            f"CPU over {wall:.0f} s of wall time (2 cores = {2 * wall:.0f} s): gunicorn {cpu[0]:.0f} s,"
            f" fake Meta {cpu[1]:.0f} s, consumers {sum(cpu[2:]):.0f} s",
            flush=True,
        )
        figures = status_figures({"broadcast_id__in": ids})
        peak = max(peak_rss_mib(consumer) for consumer in consumers)
        rows = [
            row(
                "broadcast",
                args.cap * args.numbers,
                args.numbers,
                stats,
                figures,
                peak,
                args.subscribers * args.numbers,
            )
        ]
        print(json.dumps(rows[-1]), flush=True)
        if args.sequential:
            baseline_id, stats = sequential_run(args, fake_url, pages)
            figures = status_figures({"broadcast_id": baseline_id})
            rows.append(row("plain loop", args.cap, 1, stats, figures, 0.0, args.sequential))
    finally:
        for process in reversed(processes):
            process.send_signal(2)  # SIGINT: Huey finishes its tasks in hand
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    database = "PostgreSQL + RedisHuey" if postgres else "SQLite + SqliteHuey"
    setup = (
        f"{database}; {args.numbers} number(s) × {args.subscribers:,} subscribers, cap {args.cap:g}/s each;"
        f" {args.consumers} consumer(s), {args.senders or args.consumers} sender(s) per broadcast;"
        f" gunicorn {args.gunicorn_workers}×4; fake Graph API {args.latency * 1000:.0f} ms per call,"
        f" {'no' if args.no_callbacks else '3'} status webhooks per message"
    )
    print_table(args, rows, setup)


if __name__ == "__main__":
    main()
