"""CPU per status on both sides of Meta's status webhooks, in one process with the example site's production settings.

    .venv/bin/python bench/statuses.py [--messages 3000] [--rate 600] [--profile site|consumer] [--top 25]

A broadcast of ``--messages`` messages has been sent (its deliveries ``sent``, with their wamids). Meta calls back
as ``bench/fake_meta.py`` does: three statuses per message (sent, delivered, read after 0.5, 1 and 2 s, with our
callback data and ``pricing``), gathered every 0.2 s at ``--rate`` messages/s and posted in batches of up to 100.

1. **site**: each batch, signed, through the site's middleware and the real webhook view (signature, JSON,
   ``ingest_payload``: StatusUpdate rows stored once, the Huey task enqueued in a SqliteHuey file);
2. **consumer**: every queued task taken from that queue and executed as ``run_huey`` would
   (``process_status_updates``: claim, apply to the deliveries, the broadcast's counts, ``status_updated``).

Prints the CPU time (``time.process_time``) of each side per status and per message (three statuses), and checks the
result: every delivery read, the broadcast's counts, every status handled. ``--profile`` runs that side under
cProfile and prints its ``--top`` functions by cumulative and by own time. Issue 15's budget at 1,000 messages/s on
two cores is about 3.3 ms of CPU per message for the fake, the site and the consumer together.
"""

import argparse
import cProfile
import hashlib
import hmac
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]

from bench.webhook import PHONE_NUMBER_ID, SECRET, SITE_DIR, site_env  # noqa: E402

KINDS = ("sent", "delivered", "read")
DELAYS = (0.5, 1.0, 2.0)
PRICING = {"billable": True, "pricing_model": "PMP", "category": "marketing", "type": "regular"}
TICK, BATCH = 0.2, 100


def prepare(size):
    """A sent broadcast of ``size`` deliveries; returns it and [(wamid, callback data, recipient)]."""
    from django.utils import timezone
    from wagtail.models import Site

    from wagtail_whatsapp.models import Broadcast, Delivery, Subscriber

    site = Site.objects.get(is_default_site=True)
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(site=site, phone_number=f"+39333{n:07d}", last_inbound_at=now, subscribed_at=now)
        for n in range(size)
    )
    broadcast = Broadcast.objects.create(
        site=site, title="Chiusura di via Roma", message="...", status="sending", recipients_count=size
    )
    Delivery.objects.bulk_create(
        Delivery(broadcast=broadcast, subscriber_id=pk, status="sent", wamid=f"wamid.BENCH{pk:012d}", sent_at=now)
        for pk in Subscriber.objects.filter(site=site).values_list("pk", flat=True)
    )
    Broadcast.objects.filter(pk=broadcast.pk).update(sent_count=size)
    deliveries = Delivery.objects.filter(broadcast=broadcast).select_related("subscriber").order_by("pk")
    return broadcast, [(d.wamid, d.callback_data, d.subscriber.phone_number.lstrip("+")) for d in deliveries]


def payloads(messages, rate):
    """Meta's POSTs for ``messages`` accepted at ``rate``/s: statuses due within one tick, 100 per POST."""
    started = int(time.time()) - 60
    due = []
    for n, (wamid, callback_data, recipient) in enumerate(messages):
        accepted = n / rate
        for kind, delay in zip(KINDS, DELAYS, strict=True):
            status = {
                "id": wamid,
                "status": kind,
                "timestamp": str(int(started + accepted + delay)),
                "recipient_id": recipient,
                "biz_opaque_callback_data": callback_data,
                "pricing": PRICING,
            }
            due.append((accepted + delay, n, status))
    due.sort(key=lambda item: (item[0], item[1]))
    ticks = {}
    for at, _n, status in due:
        ticks.setdefault(int(at / TICK), []).append(status)
    for statuses in ticks.values():
        for start in range(0, len(statuses), BATCH):
            value = {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "390351234567", "phone_number_id": PHONE_NUMBER_ID},
                "statuses": statuses[start : start + BATCH],
            }
            envelope = {"object": "whatsapp_business_account", "entry": [{"id": "2", "changes": [{"value": value}]}]}
            envelope["entry"][0]["changes"][0]["field"] = "messages"
            yield json.dumps(envelope, separators=(",", ":")).encode()


def measure(function, profile, top):
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    function()
    if profiler:
        profiler.disable()
    seconds = time.process_time() - started
    if profiler:
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
    return seconds


def post_all(bodies):
    from django.test import Client

    client = Client(
        HTTP_HOST="localhost"
    )  # the site's whole middleware stack, as gunicorn calls it behind the TLS proxy
    for body in bodies:
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = client.post(
            "/whatsapp/webhook/", body, "application/json", secure=True, HTTP_X_HUB_SIGNATURE_256=signature
        )
        if response.status_code != 200:
            raise SystemExit(f"webhook answered {response.status_code}: {response.content[:200]}")


def consume():
    from huey.contrib.djhuey import HUEY

    while (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rate", type=int, default=600, help="messages/s the statuses are due at")
    parser.add_argument("--profile", choices=("site", "consumer"))
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    # The example site's own production settings, as gunicorn and run_huey load them (bench/webhook.py's): SQLite in
    # WAL with IMMEDIATE transactions, connections kept 60 s, FastSqliteHuey.
    env = site_env(Path(tempfile.mkdtemp(prefix="wagtail-whatsapp-statuses-")))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=SITE_DIR, env=env, check=True)
    os.environ.update(env, DJANGO_SETTINGS_MODULE="esempio.settings")
    django.setup()
    from wagtail_whatsapp.models import Delivery, StatusUpdate

    broadcast, messages = prepare(args.messages)
    bodies = list(payloads(messages, args.rate))
    statuses = 3 * len(messages)

    site = measure(lambda: post_all(bodies), args.profile == "site", args.top)
    stored = StatusUpdate.objects.count()
    consumer = measure(consume, args.profile == "consumer", args.top)

    broadcast.refresh_from_db()
    checks = {
        "statuses stored": stored == statuses,
        "every status handled": not StatusUpdate.objects.filter(handled_at__isnull=True).exists(),
        "every delivery read": set(Delivery.objects.values_list("status", flat=True)) == {"read"},
        "counts": (broadcast.sent_count, broadcast.delivered_count, broadcast.read_count) == (len(messages),) * 3,
        "pricing": set(Delivery.objects.values_list("billing_category", "pricing_rank")) == {("marketing", 3)},
    }
    print(f"{len(messages):,} messages, {statuses:,} statuses in {len(bodies)} POSTs, SQLite (WAL) + SqliteHuey")
    for name, seconds in (("site (webhook view)", site), ("consumer (Huey tasks)", consumer)):
        print(
            f"{name:<24} {seconds:6.2f} s CPU  {seconds / statuses * 1000:6.3f} ms/status  "
            f"{seconds / len(messages) * 1000:6.3f} ms/message"
        )
    failed = [name for name, ok in checks.items() if not ok]
    print("checks:", "all passed" if not failed else f"FAILED: {', '.join(failed)}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
