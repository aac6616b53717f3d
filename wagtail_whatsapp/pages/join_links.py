"""How a citizen reaches the service: the number as text and ``tel:`` link, a wa.me link with the subscribe keyword
prefilled, and a QR code of that link drawn on the server as SVG (no JavaScript, no outside QR service)."""

import base64
import io
from dataclasses import dataclass
from urllib.parse import quote

import segno

from wagtail_whatsapp.numbers import try_normalise_number


def wa_me_link(e164_number, text):
    """``https://wa.me/<digits>?text=<text>``: opens a chat with the number and the text ready to send."""
    digits = e164_number.lstrip("+")
    return f"https://wa.me/{digits}?text={quote(text)}"


def qr_svg_data_uri(data):
    """The QR code of ``data`` as a ``data:image/svg+xml;base64,...`` URI, for an ``<img>`` with alt text.

    Base64 keeps the SVG intact inside the attribute; dark modules on white with a 4-module quiet zone, as phone
    cameras expect.
    """
    buffer = io.BytesIO()
    # svgns: a standalone SVG (as an <img> source) needs its namespace, which the "inline" flavour leaves out.
    segno.make(data, error="m", micro=False).save(
        buffer, kind="svg", scale=8, border=4, dark="#000", light="#fff", xmldecl=False, svgns=True
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass(frozen=True)
class JoinLinks:
    display_number: str
    e164_number: str
    subscribe_keyword: str
    unsubscribe_keyword: str
    service_name: str

    @property
    def tel_link(self):
        return f"tel:{self.e164_number}" if self.e164_number else ""

    @property
    def join_link(self):
        return wa_me_link(self.e164_number, self.subscribe_keyword) if self.e164_number else ""

    @property
    def qr_data_uri(self):
        return qr_svg_data_uri(self.join_link) if self.join_link else ""


def for_settings(settings):
    """Join links for a site's ``WhatsAppSettings``. Without a valid number the page shows the text only."""
    return JoinLinks(
        display_number=settings.display_number.strip(),
        e164_number=try_normalise_number(settings.display_number),
        subscribe_keyword=settings.subscribe_keyword,
        unsubscribe_keyword=settings.unsubscribe_keyword,
        service_name=settings.get_service_name(),
    )
