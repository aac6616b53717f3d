"""Webhook benchmark: the example site under gunicorn on SQLite, hammered with signed POSTs.

    .venv/bin/python bench/webhook.py [--workers 2] [--threads 2] [--concurrency 4] [--messages 2000] [--batches 200]

What it does: makes a throw-away var dir (EXAMPLE_SITE_VAR_DIR) with a migrated SQLite database and a SqliteHuey file
queue, starts gunicorn on 127.0.0.1 (port 18300-18349), and sends from a bounded pool of client threads:
  1. single inbound text messages (one event per POST, each a new wamid),
  2. batches of 100 status updates (sent/delivered/read, as Meta sends them for a broadcast).
It prints median and p99 latency and events/s for each. Huey tasks are only enqueued (no consumer runs): the figures
measure what Meta waits for, i.e. verify + store + enqueue. Target (issue 3): >= 240 events/s, median < 50 ms.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = ROOT / "example_site"
PYTHON = sys.executable
SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "100000000000001"
PORTS = range(18300, 18350)


def free_port():
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit("no free port in 18300-18349")


def site_env(var_dir):
    env = dict(os.environ)
    env.update(
        EXAMPLE_SITE_VAR_DIR=str(var_dir),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-secret-key-not-for-production",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        WHATSAPP_BACKEND="sandbox",
        WHATSAPP_APP_SECRET=SECRET,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_LOG_LEVEL="ERROR",
        HUEY_IMMEDIATE="0",
    )
    env.pop("DATABASE_URL", None)
    env.pop("HUEY_REDIS_URL", None)
    return env


def envelope(value):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "390351234567", "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "2", "changes": [{"value": value, "field": "messages"}]}],
    }


def message_body(index):
    number = f"39333{index % 10_000_000:07d}"
    message = {
        "from": number,
        "id": f"wamid.BENCH{uuid.uuid4().hex}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": "Buongiorno, a che ora apre il municipio?"},
    }
    return envelope({"contacts": [{"profile": {"name": "Bench"}, "wa_id": number}], "messages": [message]})


def statuses_body(batch_index, size=100):
    now = str(int(time.time()))
    kinds = ("sent", "delivered", "read")
    statuses = [
        {
            "id": f"wamid.OUT{batch_index}x{i // 3}",
            "status": kinds[i % 3],
            "timestamp": now,
            "recipient_id": f"39333{i:07d}",
            "biz_opaque_callback_data": f"wagtail_whatsapp:delivery:{batch_index * size + i}",
        }
        for i in range(size)
    ]
    return envelope({"statuses": statuses})


def sign(body):
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


_local = threading.local()


def post(port, payload):
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    try:
        connection.request("POST", "/whatsapp/webhook/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        _local.connection = None  # the server closed a kept-alive connection: reconnect once
        connection.close()
        return post(port, payload)
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"webhook answered {response.status}")
    if response.getheader("Connection", "").lower() == "close":
        connection.close()
        _local.connection = None
    return elapsed


def run(port, payloads, concurrency, events_per_post):
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        latencies = list(pool.map(lambda p: post(port, p), payloads))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "posts": len(latencies),
        "median_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "events_per_s": len(latencies) * events_per_post / wall,
        "posts_per_s": len(latencies) / wall,
    }


def wait_until_up(port, server, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see its output above")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/whatsapp/webhook/?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def print_result(name, result):
    print(
        f"{name:<28} posts={result['posts']:>5}  median={result['median_ms']:6.1f} ms  p99={result['p99_ms']:6.1f} ms"
        f"  {result['events_per_s']:8.1f} events/s  ({result['posts_per_s']:.1f} POST/s)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (bounded load)")
    parser.add_argument("--messages", type=int, default=2000, help="single-message POSTs")
    parser.add_argument("--batches", type=int, default=200, help="POSTs of 100 statuses")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="wagtail-whatsapp-bench-"))
    env = site_env(var_dir)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=SITE_DIR, env=env, check=True)
    port = free_port()
    gunicorn = [
        PYTHON, "-m", "gunicorn", "esempio.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--worker-class", "gthread",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(gunicorn, cwd=SITE_DIR, env=env)
    try:
        wait_until_up(port, server)
        print(
            f"gunicorn {args.workers} workers x {args.threads} threads, {args.concurrency} client threads, "
            f"SQLite + SqliteHuey in {var_dir}"
        )
        run(port, [message_body(i) for i in range(50)], args.concurrency, 1)  # warm-up
        single = run(port, [message_body(i) for i in range(args.messages)], args.concurrency, 1)
        print_result("single inbound messages", single)
        batches = run(port, [statuses_body(i) for i in range(args.batches)], args.concurrency, 100)
        print_result("batches of 100 statuses", batches)
        with sqlite3.connect(var_dir / "db.sqlite3") as db:
            stored = [
                db.execute(query).fetchone()[0]
                for query in (
                    "select count(*) from wagtail_whatsapp_inboundmessage",
                    "select count(*) from wagtail_whatsapp_statusupdate",
                )
            ]
        with sqlite3.connect(var_dir / "huey.sqlite3") as queue:
            queued = queue.execute("select count(*) from task").fetchone()[0]
        print(f"stored: {stored[0]} messages, {stored[1]} statuses; Huey tasks waiting in the queue: {queued}")
        ok = min(single["events_per_s"], batches["events_per_s"]) >= 240 and single["median_ms"] < 50
        print("target (>= 240 events/s, median < 50 ms):", "met" if ok else "NOT met")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
