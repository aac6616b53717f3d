"""Shared helpers of the public-pages tests: a site with its WhatsApp settings filled, and the QR decoder."""

import base64
import io
import re

from wagtail_whatsapp.models import WhatsAppSettings

TOWN_SETTINGS = {
    "service_name": "Esempio Informa",
    "display_number": "+39 035 123 4567",
    "town_name": "Comune di Esempio",
    "contact_phone": "035 000 0000",
    "contact_email": "protocollo@comune.esempio.it",
    "contact_pec": "comune.esempio@pec.esempio.it",
    "dpo_contact": "Avv. Maria Rossi, dpo@comune.esempio.it",
}
WA_ME_LINK = "https://wa.me/390351234567?text=ISCRIVIMI"


def configure(site, **overrides):
    settings = WhatsAppSettings.for_site(site)
    for name, value in {**TOWN_SETTINGS, **overrides}.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def qr_svg_from_html(html):
    """The SVG bytes of the QR <img> on a page (a base64 data URI)."""
    match = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert match, "no QR image on the page"
    return base64.b64decode(match.group(1))


def decode_qr_svg(svg_bytes):
    """Rasterise the SVG exactly as served and read it with a QR decoder: what a phone camera would get."""
    import cairosvg
    import zxingcpp
    from PIL import Image

    png = cairosvg.svg2png(bytestring=svg_bytes)
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def decode_qr_png(png_bytes):
    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png_bytes)))]
