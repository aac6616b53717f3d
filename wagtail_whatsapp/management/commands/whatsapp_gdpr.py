"""``manage.py whatsapp_gdpr export|erase <number-or-user-id>``: the admin's data request (GDPR art. 15 and 17), for a
data protection officer's scripts. The same functions as the admin form (``subscribers/gdpr.py``)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from wagtail.log_actions import log
from wagtail.models import Site

from wagtail_whatsapp.numbers import InvalidNumber, mask_identity, normalise_identity
from wagtail_whatsapp.subscribers import gdpr

YES = ("y", "yes", "s", "si", "sì")


class Command(BaseCommand):
    help = (
        "Export (JSON) or erase the data held about one citizen, named by phone number or WhatsApp user id. "
        "Erasure asks for confirmation unless --yes is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("export", "erase"))
        parser.add_argument("citizen", help="A phone number (+39 348 123 4511, 3481234511...) or a WhatsApp user id.")
        parser.add_argument("--site", help="The site's id or hostname (default: the default site).")
        parser.add_argument("--output", help="export: write the JSON to this file instead of the standard output.")
        parser.add_argument("--yes", action="store_true", help="erase: do not ask for confirmation.")

    def handle(self, action, citizen, site, output, yes, **options):
        try:
            number, user_id = normalise_identity(citizen)
        except InvalidNumber:
            raise CommandError(
                f"“{citizen}” is neither a valid phone number (e.g. +39 348 123 4511) nor a WhatsApp user id "
                "(e.g. US.13491208655302741918)."
            ) from None
        identity = number or user_id
        target = self.site(site)
        if action == "export":
            self.export(target, identity, output)
        else:
            self.erase(target, identity, yes)

    def site(self, value):
        if not value:
            site = Site.objects.filter(is_default_site=True).first() or Site.objects.order_by("pk").first()
            if site is None:
                raise CommandError("No site exists.")
            return site
        site = Site.objects.filter(pk=int(value)).first() if value.isdigit() else None
        site = site or Site.objects.filter(hostname=value).first()
        if site is None:
            raise CommandError(f"No site with id or hostname “{value}”.")
        return site

    def export(self, site, identity, output):
        data = json.dumps(gdpr.export_number(site, identity), indent=2, ensure_ascii=False)
        log(site, "wagtail_whatsapp.gdpr_export", data={"number": mask_identity(identity), "via": "command"})
        if not output:
            self.stdout.write(data)
            return
        try:
            with open(output, "w", encoding="utf-8") as file:
                file.write(data + "\n")
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stderr.write(f"Data of {mask_identity(identity)} written to {output}.")

    def erase(self, site, identity, yes):
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(
                    "Erasure deletes the data for good and needs a confirmation: run the command in a terminal to "
                    "answer the question, or add --yes (e.g. in a script)."
                )
            try:
                answer = input(f"Erase every piece of data of {mask_identity(identity)} on {site.hostname}? [y/N] ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in YES:
                self.stdout.write("Nothing erased.")
                return
        result = gdpr.erase_number(site, identity)
        for line in result.summary():
            self.stdout.write(str(line))
