"""Small media files made on the fly for tests: real JPEG/PNG (Pillow), a PDF, and MP4 containers built box by box
(``town.demo_media.mp4``)."""

import io

from PIL import Image

# The MP4 builder lives with the example site, whose demo content sends a short video too.
from town.demo_media import mp4  # noqa: F401 (re-exported for the tests)


def jpeg(size=(8, 8)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def png(size=(8, 8)):
    out = io.BytesIO()
    Image.new("RGB", size, (30, 200, 30)).save(out, "PNG")
    return out.getvalue()


def pdf():
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def padded(content, total_bytes):
    """``content`` grown to ``total_bytes`` (JPEG readers stop at the end marker; MP4 padding goes in a free box)."""
    return content + b"\0" * max(0, total_bytes - len(content))
