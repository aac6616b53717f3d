"""``manage.py whatsapp_sync_templates [--waba-id ID]``: store the templates of the WhatsApp Business Account."""

from django.core.management.base import BaseCommand, CommandError

from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.outbound.templates import sync_templates


class Command(BaseCommand):
    help = "Store the message templates of the WhatsApp Business Account (all pages) from Meta's Graph API."

    def add_arguments(self, parser):
        parser.add_argument("--waba-id", default=None, help="WhatsApp Business Account ID (default: WABA_ID setting)")

    def handle(self, *args, waba_id=None, **options):
        try:
            result = sync_templates(waba_id=waba_id)
        except WhatsAppError as exc:
            raise CommandError(f"Templates could not be read from WhatsApp: {exc}") from None
        except NotImplementedError:
            raise CommandError("The configured WhatsApp backend cannot list templates.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Templates of WABA {result.waba_id}: {result.created} new, {result.updated} updated, "
                f"{result.deleted} marked deleted."
            )
        )
