"""What one subscriber receives for a broadcast: free-form inside the 24-hour window, a template of the family outside.

A broadcast snapshots everything at its start (text, media, template parameters) so a page edited mid-broadcast does
not change what later subscribers get; this module turns the snapshot into one backend call.
"""

import time
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from wagtail_whatsapp.backends.base import TemplateParameters, WhatsAppError
from wagtail_whatsapp.models import Broadcast
from wagtail_whatsapp.outbound import folding, media, template_checks
from wagtail_whatsapp.outbound.folding import BODY_LIMIT, HEADER_TEXT_LIMIT
from wagtail_whatsapp.outbound.template_checks import MEDIA_HEADERS
from wagtail_whatsapp.outbound.template_mapping import PLACEHOLDER, is_named, source_for, template_sources

# Images go out as a JPEG rendition: always a type and a size WhatsApp accepts, whatever the editor uploaded.
IMAGE_RENDITION = "max-1600x1600|format-jpeg|jpegquality-80"


def page_media(page):
    """``{media type: Wagtail image or document}`` for every media the page has, in the order image, video, PDF."""
    found = {
        "image": page.get_whatsapp_image(),
        "video": page.get_whatsapp_video(),
        "document": page.get_whatsapp_document(),
    }
    return {kind: source for kind, source in found.items() if source is not None}


def media_snapshot(page, choice=""):
    """``({"type", "source_id"} or {}, problems, warnings)`` for the one media that goes with the message.

    A WhatsApp message carries one media: ``choice`` (the editor's, on the confirmation page), else the page's
    ``get_whatsapp_media_choice()``. The media left out is named in a warning, never dropped silently.
    """
    available = page_media(page)
    if not available:
        return {}, [], []
    going = choice if choice in available else page.get_whatsapp_media_choice(list(available))
    going = going if going in available else next(iter(available))
    source = available[going]
    snapshot = {"type": going, "source_id": source.pk}
    problems, warnings = [], []
    if going != "image":
        check = media.check_media(source, expected=going)
        problems, warnings = list(check.errors), list(check.warnings)
    if going == "document":
        snapshot["filename"] = document_filename(source)
    left_out = [kind for kind in available if kind != going]
    if left_out:
        warnings.insert(0, media_left_out_warning(going, left_out))
    return snapshot, problems, warnings


def media_left_out_warning(going, left_out):
    names = {"image": _("the image"), "video": _("the video"), "document": _("the PDF document")}
    return _(
        "A WhatsApp message carries one media: %(going)s goes, %(left_out)s does not. Choose which on the "
        "confirmation page."
    ) % {"going": names[going], "left_out": ", ".join(str(names[kind]) for kind in left_out)}


def document_filename(document):
    """The name citizens see on the PDF: the document's title, as a file name."""
    title = str(getattr(document, "title", "") or "documento").strip()
    return title if title.lower().endswith(".pdf") else f"{title}.pdf"


def upload_media(backend, snapshot):
    """The media id of a snapshot's image, video or document for ``backend``'s number (uploaded once, then reused).

    Raises ``media.MediaRefused`` (the file cannot be sent) or ``WhatsAppError`` (the upload failed).
    """
    if snapshot.get("type") == "image":
        from wagtail.images import get_image_model

        rendition = get_image_model().objects.get(pk=snapshot["source_id"]).get_rendition(IMAGE_RENDITION)
        with rendition.file.open("rb") as handle:
            content = handle.read()
        return media.media_id_for(backend, content, name="image.jpg", expected="image")
    from wagtail.documents import get_document_model

    document = get_document_model().objects.get(pk=snapshot["source_id"])
    return media.media_id_for(backend, document, expected=snapshot.get("type"))


def upload_broadcast_media(broadcast, backend, *, attempts, retry_delay):
    """Give a started broadcast its media id: its image or video is uploaded once, then every message reuses the id.
    A retryable failure is tried again (``attempts`` in all, ``retry_delay(hint, attempt)`` apart); raises
    ``WhatsAppError``, ``media.MediaRefused`` or ``OSError`` when it cannot be done."""
    snapshot = broadcast.media or {}
    if not snapshot.get("type") or snapshot.get("id"):
        return
    for attempt in range(attempts):
        try:
            snapshot["id"] = upload_media(backend, snapshot)
            break
        except WhatsAppError as error:
            if not error.retryable or attempt == attempts - 1:
                raise
            time.sleep(retry_delay(error.retry_after, attempt))
    Broadcast.objects.filter(pk=broadcast.pk).update(media=snapshot)
    broadcast.media = snapshot


def template_spec(template, page_values, mapping=None, media=None):
    """The template's parameters filled from the page: ``(spec, problems)``.

    ``spec`` is JSON (stored on the Broadcast); ``template_parameters`` turns it into the backend's parameters at send
    time, when the uploaded media id is known. The parameter fed by the page's WhatsApp text gets what room the body
    leaves (1,024 characters in all), folded onto one line (``folding.fold``). ``problems`` are what Meta would refuse
    (``template_checks.problems``).
    """
    mapping = mapping or {}
    spec = {"header": "", "header_text": None, "body": [], "named": is_named(template), "buttons": []}
    for component in template.components or []:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            header_format = str(component.get("format", "")).upper()
            if header_format in MEDIA_HEADERS:
                spec["header"] = header_format.lower()
            elif header_format == "TEXT":
                names = PLACEHOLDER.findall(component.get("text", ""))
                if names:
                    # A title in the header: its parameter is named after a page field, else it is the title.
                    source = source_for(names[0], 0, {}, named=True) or "title"
                    room = HEADER_TEXT_LIMIT - len(PLACEHOLDER.sub("", component.get("text", "")))
                    spec["header_text"] = folding.fold(page_values.get(source, ""), room)
        elif kind == "BODY":
            spec["body"] = _body_parameters(component.get("text", ""), template, page_values, mapping)
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                if str(button.get("type", "")).upper() == "URL" and PLACEHOLDER.search(button.get("url", "")):
                    spec["buttons"].append({"index": str(index), "text": page_values.get("url_path", "")})
    if spec["header"] == "document" and media and media.get("filename"):
        spec["header_filename"] = media["filename"]
    return spec, template_checks.problems(template, spec, media)


def _body_parameters(body_text, template, page_values, mapping):
    sources = template_sources(template, mapping)
    carries_event = any(source in ("time", "place") for _name, source in sources)
    values = {}
    for name, source in sources:
        if source != "text":
            values[name] = folding.fold(page_values.get(source or "", ""), BODY_LIMIT)
    # The text takes the room left by the template's own words and the other values.
    fixed = len(PLACEHOLDER.sub("", body_text)) + sum(len(value) for value in values.values())
    text_names = [name for name, source in sources if source == "text"]
    for name in text_names:
        text = page_values.get("text_without_details" if carries_event else "text", "")
        room = max(0, (BODY_LIMIT - fixed) // len(text_names))
        values[name] = folding.fold(text, room, keep=page_values.get("url", ""))
    return [{"name": name, "text": values[name]} for name, _source in sources]


def template_parameters(spec, media_id=""):
    """The stored ``spec`` as the backend's typed parameters (the backend writes Meta's JSON)."""
    body = [item["text"] for item in spec.get("body", [])]
    if spec.get("named"):
        body = {item["name"]: item["text"] for item in spec.get("body", [])}
    suffixes = {int(button["index"]): button["text"] for button in spec.get("buttons", [])}
    return TemplateParameters(
        header_media_type=spec.get("header") or "",
        header_media_id=media_id if spec.get("header") else "",
        header_filename=spec.get("header_filename", ""),
        header_text=spec.get("header_text"),
        body=body,
        url_button_suffixes=tuple(suffixes.get(index) for index in range(max(suffixes, default=-1) + 1)),
    )


def send_broadcast_message(backend, broadcast_snapshot, to, *, in_window, callback_data=""):
    """Send one subscriber's copy. ``broadcast_snapshot`` is a ``Snapshot``; returns the backend's SendResult."""
    snap = broadcast_snapshot
    # Without a template (nobody was outside the window at the start) a closed window fails with 131047: a recipient
    # error, recorded on that delivery alone.
    if not in_window and snap.template_name:
        return backend.send_template(
            to,
            snap.template_name,
            snap.template_language,
            template_parameters(snap.template_spec, snap.media_id),
            callback_data=callback_data,
        )
    if snap.media_id:
        return backend.send_media(
            to,
            snap.media_type,
            snap.media_id,
            caption=snap.message,
            filename=snap.media_filename,
            callback_data=callback_data,
        )
    return backend.send_text(to, snap.message, preview_url=True, callback_data=callback_data)


@dataclass(frozen=True)
class Snapshot:
    """What every subscriber of one broadcast receives, read once from the Broadcast row."""

    message: str
    media_type: str = ""
    media_id: str = ""
    media_filename: str = ""
    template_name: str = ""
    template_language: str = ""
    template_spec: dict = field(default_factory=dict)

    @classmethod
    def of(cls, broadcast):
        template = broadcast.template_parameters or {}
        media = broadcast.media or {}
        return cls(
            message=broadcast.message,
            media_type=media.get("type", "") if media.get("id") else "",
            media_id=media.get("id", ""),
            media_filename=media.get("filename", "") if media.get("id") else "",
            template_name=template.get("name", ""),
            template_language=template.get("language", ""),
            template_spec=template.get("spec", {}),
        )
