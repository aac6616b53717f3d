"""``manage.py whatsapp_setup [--site ID] [--no-archive]``: create the service's public pages when missing."""

from django.core.management.base import BaseCommand

from wagtail_whatsapp.management.sites import site_from_option
from wagtail_whatsapp.pages.setup import ensure_pages


class Command(BaseCommand):
    help = (
        "Create the WhatsApp policy, privacy notice, subscription and archive pages under the site's root when "
        "missing, publish them and point the site's WhatsApp settings at them. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", type=int, help="ID of the site (default: the default site).")
        parser.add_argument("--no-archive", action="store_true", help="Do not create the public archive page.")

    def handle(self, *args, **options):
        site = site_from_option(options["site"])
        result = ensure_pages(site, with_archive=not options["no_archive"])
        for kind, page in result.pages.items():
            state = "created" if kind in result.created else "already there"
            self.stdout.write(f"{kind}: {page.title} ({page.get_url() or page.url_path}) — {state}")
        if result.created or result.settings_changed:
            self.stdout.write(self.style.SUCCESS(f"WhatsApp pages of {site} are ready."))
        else:
            self.stdout.write("Nothing to do.")
