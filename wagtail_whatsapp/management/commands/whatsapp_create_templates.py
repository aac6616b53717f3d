"""``manage.py whatsapp_create_templates [--category UTILITY|MARKETING] [--site ID] [--example-video FILE]``: submit
the recommended Italian template family to Meta for approval; names Meta already holds are left alone."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.management.sites import site_from_option
from wagtail_whatsapp.outbound.recommended_family import CATEGORIES
from wagtail_whatsapp.outbound.template_submission import SubmissionError, submit_recommended_family


class Command(BaseCommand):
    help = (
        "Submit the recommended Italian template family (text, image, video, PDF notice, event) to Meta for approval. "
        "Idempotent: templates Meta already holds are left alone. Then the sync stores their status."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--category",
            choices=[category.lower() for category in CATEGORIES] + list(CATEGORIES),
            default="MARKETING",
            help="The category the town asks for: UTILITY (service notices) or MARKETING (news, events). Meta has "
            "the last word and bills by it.",
        )
        parser.add_argument("--site", type=int, default=None, help="Site id (default: the default site)")
        parser.add_argument("--waba-id", default=None, help="WhatsApp Business Account ID (default: the site's)")
        for kind, what in (("image", "a JPEG or PNG"), ("video", "a short MP4"), ("document", "a PDF")):
            parser.add_argument(
                f"--example-{kind}", type=Path, default=None, help=f"{what} shown to Meta's reviewers as the example"
            )

    def handle(self, *args, category, site, waba_id, example_image, example_video, example_document, **options):
        site_obj = site_from_option(site)
        examples = {}
        for header_format, path in (("IMAGE", example_image), ("VIDEO", example_video), ("DOCUMENT", example_document)):
            if path is not None:
                try:
                    examples[header_format] = path.read_bytes()
                except OSError as error:
                    raise CommandError(f"The example file {path} cannot be read: {error.strerror}") from None
        try:
            result = submit_recommended_family(site_obj, category=category.upper(), examples=examples, waba_id=waba_id)
        except SubmissionError as error:
            raise CommandError(str(error)) from None
        except WhatsAppError as error:
            raise CommandError(f"The templates could not be read from WhatsApp: {error}") from None
        except NotImplementedError:
            raise CommandError("The configured WhatsApp backend cannot create templates.") from None
        for name in result.existing:
            self.stdout.write(f"{name}: already at Meta, left alone.")
        for name, status in result.created:
            self.stdout.write(self.style.SUCCESS(f"{name}: submitted, {status}."))
        for name, why in result.skipped:
            self.stdout.write(self.style.WARNING(f"{name}: not submitted, {why}."))
        for name, error in result.failed:
            self.stderr.write(self.style.ERROR(f"{name}: refused by Meta: {error}"))
        if result.failed:
            raise CommandError(f"{len(result.failed)} templates were not accepted; the others were submitted.")
        self.stdout.write(
            f"WABA {result.waba_id}: {len(result.created)} submitted, {len(result.existing)} already there. Meta "
            "reviews them (minutes to a day); the hourly sync, or `manage.py whatsapp_sync_templates`, brings in "
            "their status."
        )
