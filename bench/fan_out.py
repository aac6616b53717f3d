"""Benchmark: a broadcast's fan-out, one pending Delivery per active subscriber, on a file SQLite database (WAL).

    .venv/bin/python bench/fan_out.py [subscribers]          # default 100,000

Goal (issue 15): 100,000 subscribers turned into deliveries in at most 10 s. Times ``delivery_claims.fan_out`` as the
sender runs it at the start of a broadcast (batches of primary keys, bulk inserts), then checks the count.
"""

import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]

from tests.process_site import copy_database, django_setup, migrated_database  # noqa: E402


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    workdir = tempfile.mkdtemp(prefix="wagtail-whatsapp-fanout-")
    django_setup(copy_database(migrated_database(workdir), Path(workdir) / "fanout.sqlite3"))
    from django.utils import timezone
    from wagtail.models import Site

    from wagtail_whatsapp.models import Broadcast, Delivery, Subscriber
    from wagtail_whatsapp.outbound.delivery_claims import fan_out

    site = Site.objects.get(is_default_site=True)
    recent = timezone.now() - timedelta(hours=1)
    for start in range(0, size, 10_000):
        Subscriber.objects.bulk_create(
            Subscriber(site=site, phone_number=f"+39333{n:07d}", last_inbound_at=recent, subscribed_at=recent)
            for n in range(start, min(size, start + 10_000))
        )
    broadcast = Broadcast.objects.create(site=site, title="Chiusura di via Roma", message="...")
    started = time.perf_counter()
    fan_out(broadcast)
    seconds = time.perf_counter() - started
    created = Delivery.objects.filter(broadcast=broadcast).count()
    print(f"{size:,} subscribers → {created:,} deliveries in {seconds:.1f} s ({created / seconds:,.0f}/s) on SQLite")
    print("goal (≤ 10 s for 100,000):", "met" if size >= 100_000 and seconds <= 10 else "see the figure above")


if __name__ == "__main__":
    main()
