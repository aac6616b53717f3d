"""Submit the recommended Italian template family to Meta for approval (``whatsapp_create_templates``).

Idempotent: a name Meta already holds in Italian (read with a GET of the account's templates, and from the synced
ones) is left alone, whatever its status. Media headers need an example file for Meta's reviewers: uploaded with the
backend's ``upload_template_example``; an image and a PDF are made here when none is given, a video must be given
(or be found among the site's documents). The sync afterwards stores the templates with the status Meta gave.
"""

import io
from dataclasses import dataclass, field

from wagtail_whatsapp import conf
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.models import MessageTemplate, WhatsAppSettings
from wagtail_whatsapp.outbound import media
from wagtail_whatsapp.outbound.recommended_family import EXAMPLE_MIME_TYPES, FAMILY, LANGUAGE, recommended_family
from wagtail_whatsapp.outbound.templates import sync_templates

# A one-page PDF saying what the document header carries (Meta's reviewers see it; no citizen does).
EXAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>"
    b"endobj\n4 0 obj<</Length 58>>stream\nBT /F1 24 Tf 72 760 Td (Avviso del Comune - esempio) Tj ET\nendstream"
    b"\nendobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class SubmissionError(Exception):
    """The family cannot be submitted at all (no account, a bad example file); ``str()`` says why."""


@dataclass
class Submission:
    waba_id: str
    created: list = field(default_factory=list)  # (name, status Meta gave)
    existing: list = field(default_factory=list)  # names left alone
    skipped: list = field(default_factory=list)  # (name, why)
    failed: list = field(default_factory=list)  # (name, WhatsAppError)


def example_image():
    from PIL import Image, ImageDraw

    canvas = Image.new("RGB", (800, 418), (10, 77, 140))
    ImageDraw.Draw(canvas).text((40, 180), "Notizie dal Comune", fill=(255, 255, 255), font_size=48)
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def site_video():
    """A video the site already sends (a document that passes WhatsApp's checks), as Meta's example, or None."""
    from wagtail.documents import get_document_model

    for document in get_document_model().objects.filter(file__iendswith=".mp4").order_by("-pk")[:20]:
        try:
            content, _name = media.read_content(document)
        except OSError:
            continue
        if media.check_media(content, expected="video").ok:
            return content
    return None


def checked_example(content, header_format):
    kind = EXAMPLE_MIME_TYPES[header_format].split("/")[0] if header_format != "DOCUMENT" else "document"
    check = media.check_media(content, expected=kind)
    if not check.ok:
        raise SubmissionError(f"The example for the {header_format.lower()} header cannot go: {' '.join(check.errors)}")
    return content


def submit_recommended_family(site, *, category="MARKETING", examples=None, waba_id=None, backend=None):
    """Submit every template of the recommended family that Meta does not hold yet. ``examples`` maps a header
    format (IMAGE, VIDEO, DOCUMENT) to the bytes of its example. Returns a Submission; WhatsAppError on the list."""
    site_settings = WhatsAppSettings.for_site(site)
    waba_id = waba_id or site_settings.waba_id or conf.get("WABA_ID")
    if not waba_id:
        raise SubmissionError("No WhatsApp Business Account ID: set WABA_ID or Settings → WhatsApp, or give --waba-id.")
    own_backend = backend is None
    backend = backend or get_backend(site_settings.sending_number_id)
    try:
        submission = Submission(waba_id=waba_id)
        held = {(t.name, t.language) for t in backend.list_templates(waba_id)}
        held |= set(MessageTemplate.objects.filter(waba_id=waba_id).values_list("name", "language"))
        missing = [name for name in FAMILY if (name, LANGUAGE) not in held]
        submission.existing = [name for name in FAMILY if name not in missing]
        handles = _header_handles(backend, missing, examples or {}, submission)
        family = recommended_family(
            site.root_url,
            category=category,
            unsubscribe_keyword=site_settings.unsubscribe_keyword,
            header_handles=handles,
        )
        for template in family:
            if template.name not in missing:
                continue
            try:
                created = backend.create_template(waba_id, template)
            except WhatsAppError as error:
                submission.failed.append((template.name, error))
            else:
                submission.created.append((template.name, created.status))
        if submission.created:
            sync_templates(backend=backend, waba_id=waba_id)
        return submission
    finally:
        if own_backend:
            backend.close()


def _header_handles(backend, missing, examples, submission):
    makers = {"IMAGE": example_image, "DOCUMENT": lambda: EXAMPLE_PDF, "VIDEO": site_video}
    handles = {}
    for name in missing:
        header_format = FAMILY[name][1]
        if not header_format or header_format in handles:
            continue
        content = examples.get(header_format) or makers[header_format]()
        if content is None:
            submission.skipped.append((name, "no example video: give --example-video with a short MP4"))
            continue
        content = checked_example(content, header_format)
        extension = {"IMAGE": "jpg", "VIDEO": "mp4", "DOCUMENT": "pdf"}[header_format]
        try:
            handles[header_format] = backend.upload_template_example(
                content, EXAMPLE_MIME_TYPES[header_format], filename=f"esempio.{extension}"
            )
        except WhatsAppError as error:
            submission.failed.append((name, error))
    return handles
