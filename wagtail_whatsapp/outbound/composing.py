"""What one subscriber receives for a broadcast: free-form inside the 24-hour window, the approved template outside.

A broadcast snapshots everything at its start (text, media, template parameters) so a page edited mid-broadcast does
not change what later subscribers get; this module turns the snapshot into one backend call.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from wagtail_whatsapp.backends.base import TemplateParameters
from wagtail_whatsapp.outbound import media

# Images go out as a JPEG rendition: always a type and a size WhatsApp accepts, whatever the editor uploaded.
IMAGE_RENDITION = "max-1600x1600|format-jpeg|jpegquality-80"

PLACEHOLDER = re.compile(r"{{\s*([A-Za-z0-9_]+)\s*}}")
# Without a mapping in the site settings: named parameters take the page value of the same name, positional ones these.
DEFAULT_POSITIONAL_SOURCES = ("title", "summary", "url", "details")


def media_snapshot(page):
    """``({"type", "source_id"} or {}, problems, warnings)`` for the page's image (preferred) or video."""
    image = page.get_whatsapp_image()
    if image is not None:
        return {"type": "image", "source_id": image.pk}, [], []
    video = page.get_whatsapp_video()
    if video is None:
        return {}, [], []
    check = media.check_media(video, expected="video")
    return {"type": "video", "source_id": video.pk}, list(check.errors), list(check.warnings)


def upload_media(backend, snapshot):
    """The media id of a snapshot's image or video for ``backend``'s number (uploaded once, then reused).

    Raises ``media.MediaRefused`` (the file cannot be sent) or ``WhatsAppError`` (the upload failed).
    """
    if snapshot.get("type") == "image":
        from wagtail.images import get_image_model

        rendition = get_image_model().objects.get(pk=snapshot["source_id"]).get_rendition(IMAGE_RENDITION)
        with rendition.file.open("rb") as handle:
            content = handle.read()
        return media.media_id_for(backend, content, name="image.jpg", expected="image")
    from wagtail.documents import get_document_model

    video = get_document_model().objects.get(pk=snapshot["source_id"])
    return media.media_id_for(backend, video, expected="video")


def template_spec(template, page_values, mapping=None, media=None):
    """The broadcast template's parameters filled from the page: ``(spec, problems)``.

    ``spec`` is JSON (stored on the Broadcast); ``template_parameters`` turns it into the backend's parameters at send
    time, when the uploaded media id is known.
    """
    problems = []
    mapping = mapping or {}
    spec = {"header": "", "header_text": None, "body": [], "named": False, "buttons": []}
    positional = 0
    for component in template.components or []:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            header_format = str(component.get("format", "")).upper()
            if header_format in ("IMAGE", "VIDEO"):
                spec["header"] = header_format.lower()
                if not media or media.get("type") != spec["header"]:
                    problems.append(
                        _("The broadcast template needs an image but the page has none.")
                        if spec["header"] == "image"
                        else _("The broadcast template needs a video but the page has none.")
                    )
            elif header_format == "TEXT" and PLACEHOLDER.search(component.get("text", "")):
                spec["header_text"] = page_values.get("title", "")
        elif kind == "BODY":
            spec["named"] = str(template.parameter_format or "").upper() == "NAMED"
            for name in dict.fromkeys(PLACEHOLDER.findall(component.get("text", ""))):
                if name in mapping:
                    source = mapping[name]
                elif spec["named"]:
                    source = name
                else:
                    source = DEFAULT_POSITIONAL_SOURCES[positional % len(DEFAULT_POSITIONAL_SOURCES)]
                positional += 1
                value = str(page_values.get(source, "") or "").strip()
                if not value:
                    message = _("The template parameter {{%(name)s}} has no value from the page.")
                    problems.append(message % {"name": name})
                spec["body"].append({"name": name, "text": value})
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                if str(button.get("type", "")).upper() == "URL" and PLACEHOLDER.search(button.get("url", "")):
                    spec["buttons"].append({"index": str(index), "text": page_values.get("url_path", "")})
    return spec, problems


def template_parameters(spec, media_id=""):
    """The stored ``spec`` as the backend's typed parameters (the backend writes Meta's JSON)."""
    body = [item["text"] for item in spec.get("body", [])]
    if spec.get("named"):
        body = {item["name"]: item["text"] for item in spec.get("body", [])}
    suffixes = {int(button["index"]): button["text"] for button in spec.get("buttons", [])}
    return TemplateParameters(
        header_media_type=spec.get("header") or "",
        header_media_id=media_id if spec.get("header") else "",
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
        return backend.send_media(to, snap.media_type, snap.media_id, caption=snap.message, callback_data=callback_data)
    return backend.send_text(to, snap.message, preview_url=True, callback_data=callback_data)


@dataclass(frozen=True)
class Snapshot:
    """What every subscriber of one broadcast receives, read once from the Broadcast row."""

    message: str
    media_type: str = ""
    media_id: str = ""
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
            template_name=template.get("name", ""),
            template_language=template.get("language", ""),
            template_spec=template.get("spec", {}),
        )
