"""Time the CSV import of a broadcast list (bulk inserts in one transaction) on the test settings' database.

Run: .venv/bin/python bench/subscriber_import.py [rows]   (default 10,000; SQLite in memory unless DATABASE_URL is set)
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "example_site"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main(rows):
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from wagtail.models import Site

    from wagtail_whatsapp.models import Subscriber
    from wagtail_whatsapp.subscribers.csv_import import import_subscribers

    site = Site.objects.first()
    lines = ["name,phone"]
    for i in range(rows):
        # One duplicate every 50 rows, one invalid number every 100.
        number = "12-34" if i % 100 == 99 else f"+39347{(i - 1 if i % 50 == 49 else i):07d}"
        lines.append(f"P{i},{number}")
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    result = import_subscribers(site, text.encode())
    elapsed = time.perf_counter() - started
    print(f"rows: {rows}  imported: {result.imported}  rejected: {len(result.errors)}  time: {elapsed:.2f} s")
    print(f"rows per second: {rows / elapsed:,.0f}  subscribers in the database: {Subscriber.objects.count()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
