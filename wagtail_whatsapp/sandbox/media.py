"""Media in the sandbox: uploads are kept (``SandboxMedia``) and given back; media no one uploaded, such as what a
simulated citizen "sent", comes back as a placeholder PNG that says it is a sandbox image. Never touches the network.
"""

import io
from datetime import timedelta

from django.utils import timezone

from wagtail_whatsapp.models import SandboxMedia

KEPT_FOR = timedelta(days=30)  # as long as Meta keeps an upload
MAX_KEPT_BYTES = 16 * 1024 * 1024  # WhatsApp's video limit: anything bigger could never have been sent
PLACEHOLDER_SIZE = (480, 320)


def keep_upload(media_id, content, mime_type):
    SandboxMedia.objects.filter(uploaded_at__lt=timezone.now() - KEPT_FOR).delete()
    if len(content) <= MAX_KEPT_BYTES:
        SandboxMedia.objects.create(
            media_id=media_id, mime_type=mime_type or "application/octet-stream", content=content
        )


def kept_upload(media_id):
    """``(bytes, mime_type)`` of a sandbox upload, or None."""
    media = SandboxMedia.objects.filter(media_id=str(media_id)).first()
    return (bytes(media.content), media.mime_type) if media else None


def placeholder_png(media_id):
    """A small grey PNG saying this is a sandbox image (English and Italian: the demo is an Italian town)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", PLACEHOLDER_SIZE, (226, 232, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, PLACEHOLDER_SIZE[0] - 9, PLACEHOLDER_SIZE[1] - 9), outline=(37, 211, 102), width=4)
    lines = ["WhatsApp sandbox", "Sandbox image - immagine di prova", f"media {str(media_id)[:40]}"]
    for index, line in enumerate(lines):
        try:
            draw.text((32, 110 + index * 36), line, fill=(30, 41, 59), font_size=22 if index == 0 else 16)
        except TypeError:  # Pillow before 10.1 has no font_size: its small bitmap font is still readable
            draw.text((32, 110 + index * 36), line, fill=(30, 41, 59))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
