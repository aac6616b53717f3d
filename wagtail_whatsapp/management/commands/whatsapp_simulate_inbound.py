"""Play the citizen: send ``<text>`` from ``<number>`` to a site's WhatsApp number through the real webhook view.

    python manage.py whatsapp_simulate_inbound +393331234567 ISCRIVIMI [--site ID] [--name "Mario Rossi"]

The payload is Meta-shaped and signed with the configured app secret, so the signature check, the storing, the
keyword handling and the replies all run as they would for a real message (the replies go through the configured
backend: with the sandbox they are stored and shown by the sandbox chat page).
"""

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

from wagtail_whatsapp.models import SandboxMessage
from wagtail_whatsapp.numbers import InvalidNumber
from wagtail_whatsapp.simulate import simulate_inbound_text


class Command(BaseCommand):
    help = "Simulate a citizen's WhatsApp message (signed, through the real webhook view)."

    def add_arguments(self, parser):
        parser.add_argument("number", help="The citizen's number, e.g. +393331234567.")
        parser.add_argument("text", help="What the citizen writes, e.g. ISCRIVIMI.")
        parser.add_argument("--site", type=int, help="Site ID (default: the default site).")
        parser.add_argument("--name", default="", help="The citizen's WhatsApp profile name.")

    def handle(self, *args, number, text, site=None, name="", **options):
        if site is not None:
            site_obj = Site.objects.filter(pk=site).first()
            if site_obj is None:
                raise CommandError(f"No site with ID {site}.")
        else:
            site_obj = Site.objects.filter(is_default_site=True).first()
        try:
            response, wamid, e164 = simulate_inbound_text(number, text, site=site_obj, profile_name=name)
        except InvalidNumber as exc:
            raise CommandError(f"Not a valid phone number: {number!r} ({exc}).") from exc
        body = response.content.decode(errors="replace")
        if response.status_code != 200:
            raise CommandError(f"The webhook refused the message: {response.status_code} {body}")
        self.stdout.write(self.style.SUCCESS(f"Delivered {wamid} from {e164} to the webhook: {body}"))
        incoming = SandboxMessage.objects.filter(wamid=wamid).first()
        replies = SandboxMessage.objects.filter(
            recipient=e164, direction=SandboxMessage.Direction.OUTGOING, pk__gt=incoming.pk if incoming else 0
        )
        if not replies:
            self.stdout.write("No reply yet: replies are sent by the Huey consumer (run_huey) and, with the sandbox")
            self.stdout.write("backend, shown in the admin under WhatsApp sandbox.")
        for reply in replies:
            self.stdout.write(f"Reply ({reply.status or 'queued'}):\n{reply.text}")
