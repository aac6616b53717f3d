"""``manage.py whatsapp_import_subscribers FILE.csv [--site ID]``: the admin's CSV import (Subscribers → Import), from a
shell, with the same rules: numbers that left the service or were blocked are never brought back."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wagtail_whatsapp.management.sites import site_from_option
from wagtail_whatsapp.subscribers.csv_import import ImportFileError, import_subscribers

SHOWN_ERRORS = 20  # the rest are counted: a list of thousands of bad rows helps nobody in a terminal


class Command(BaseCommand):
    help = (
        "Import an existing WhatsApp broadcast list (CSV: one number a line, optional name) as subscribers of a site. "
        "Running it states, as the admin's tick does, that these people asked to receive the town's WhatsApp news. "
        "Exit code 1 when nothing could be imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8, Windows text or UTF-16; commas or semicolons).")
        parser.add_argument("--site", type=int, help="ID of the site (default: the default site).")

    def handle(self, file, site=None, **options):
        site = site_from_option(site)
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        try:
            result = import_subscribers(site, content, filename=path.name)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from None
        self.stdout.write(
            f"{result.imported} subscribers imported into {site}, {result.skipped_existing} already subscribed, "
            f"{len(result.errors)} rows rejected."
        )
        for error in result.errors[:SHOWN_ERRORS]:
            self.stdout.write(f"  line {error.line}: {error.value!r} — {error.reason}")
        if len(result.errors) > SHOWN_ERRORS:
            self.stdout.write(f"  … and {len(result.errors) - SHOWN_ERRORS} more rejected rows.")
        if not result.imported:
            raise CommandError("Nothing was imported.")
        self.stdout.write(self.style.SUCCESS("Done."))
