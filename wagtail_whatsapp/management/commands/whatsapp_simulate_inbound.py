"""Play the citizen: send ``<text>`` from ``<number>`` to a site's WhatsApp number through the real webhook view.

    python manage.py whatsapp_simulate_inbound +393331234567 ISCRIVIMI [--site ID] [--name "Mario Rossi"]
    python manage.py whatsapp_simulate_inbound +393331234567 "Buca in via Roma" --image [photo.jpg]

``--image`` sends an image message (the text is its caption) for the moderation inbox: with a file, the file is
uploaded through the configured backend first; without one, the sandbox shows a placeholder image.

The payload is Meta-shaped and signed with the configured app secret, so the signature check, the storing, the
keyword handling and the replies all run as they would for a real message (the replies go through the configured
backend: with the sandbox they are stored and shown by the sandbox chat page).
"""

import hashlib
import mimetypes
import uuid

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.models import SandboxMessage
from wagtail_whatsapp.numbers import InvalidNumber
from wagtail_whatsapp.sandbox.simulate import phone_number_id_for_site, simulate_inbound_text


class Command(BaseCommand):
    help = "Simulate a citizen's WhatsApp message (signed, through the real webhook view)."

    def add_arguments(self, parser):
        parser.add_argument("number", help="The citizen's number, e.g. +393331234567.")
        parser.add_argument("text", help="What the citizen writes, e.g. ISCRIVIMI.")
        parser.add_argument("--site", type=int, help="Site ID (default: the default site).")
        parser.add_argument("--name", default="", help="The citizen's WhatsApp profile name.")
        parser.add_argument(
            "--image",
            nargs="?",
            const="",
            default=None,
            help="Send an image (the text is its caption): a file to upload, or nothing for a placeholder.",
        )

    def handle(self, *args, number, text, site=None, name="", image=None, **options):
        if site is not None:
            site_obj = Site.objects.filter(pk=site).first()
            if site_obj is None:
                raise CommandError(f"No site with ID {site}.")
        else:
            site_obj = Site.objects.filter(is_default_site=True).first()
        image = self._image(image, site_obj) if image is not None else None
        try:
            response, wamid, e164 = simulate_inbound_text(number, text, site=site_obj, profile_name=name, image=image)
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

    def _image(self, path, site):
        """Meta's ``image`` object of the message: an uploaded file's id, or a made-up id (a sandbox placeholder)."""
        if not path:
            return {"id": str(uuid.uuid4().int)[:16], "mime_type": "image/jpeg"}
        try:
            with open(path, "rb") as image_file:
                content = image_file.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        mime_type = mimetypes.guess_type(path)[0] or "image/jpeg"
        backend = get_backend(phone_number_id_for_site(site))
        try:
            media_id = backend.upload_media(content, mime_type, filename=path.rsplit("/", 1)[-1])
        except WhatsAppError as exc:
            raise CommandError(f"The image could not be uploaded: {exc}") from exc
        finally:
            backend.close()
        return {"id": media_id, "mime_type": mime_type, "sha256": hashlib.sha256(content).hexdigest()}
