"""``manage.py whatsapp_setup [--site ID] [--no-archive]``: create the service's public pages when missing."""

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

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
        site = self.get_site(options["site"])
        result = ensure_pages(site, with_archive=not options["no_archive"])
        for kind, page in result.pages.items():
            state = "created" if kind in result.created else "already there"
            self.stdout.write(f"{kind}: {page.title} ({page.get_url() or page.url_path}) — {state}")
        if result.created or result.settings_changed:
            self.stdout.write(self.style.SUCCESS(f"WhatsApp pages of {site} are ready."))
        else:
            self.stdout.write("Nothing to do.")

    def get_site(self, site_id):
        if site_id is not None:
            site = Site.objects.filter(pk=site_id).first()
            if site is None:
                raise CommandError(f"No site with ID {site_id}. Sites: {self.site_list()}")
            return site
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            raise CommandError(f"No default site: pass --site ID. Sites: {self.site_list()}")
        return site

    def site_list(self):
        return ", ".join(f"{site.pk} ({site})" for site in Site.objects.all()) or "none"
