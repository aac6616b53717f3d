"""Images, videos and PDF documents for WhatsApp: checked before a broadcast starts, uploaded once, their media id
reused.

WhatsApp refuses (131053) what it cannot play, but only message by message, after the broadcast has started: so the
type is read from the content (magic bytes, never the file name), the size is checked against Meta's limits and the
video codecs are probed (pymediainfo, else ffprobe). When the codecs cannot be probed the editor gets a warning, not
an error. Every text here is for editors.
"""

import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta

import filetype
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail_whatsapp.models import MediaUpload

logger = logging.getLogger(__name__)

MB = 1024 * 1024
LIMITS = {
    "image/jpeg": 5 * MB,
    "image/png": 5 * MB,
    "video/mp4": 16 * MB,
    "video/3gpp": 16 * MB,
    "application/pdf": 100 * MB,
}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "video/mp4": "mp4",
    "video/3gpp": "3gp",
    "application/pdf": "pdf",
}
MEDIA_ID_MAX_AGE = timedelta(days=29)  # Meta keeps uploaded media 30 days; a day of margin for long broadcasts
HEAD_BYTES = 8192


class MediaRefused(ValueError):
    """The file cannot be sent on WhatsApp; ``errors`` are messages for the editor."""

    def __init__(self, errors):
        super().__init__(" ".join(errors))
        self.errors = list(errors)


@dataclass
class MediaCheck:
    name: str
    mime_type: str  # from the content, "" when unknown
    size: int
    errors: list = field(default_factory=list)  # the file must not be sent
    warnings: list = field(default_factory=list)  # it may be sent; the editor should know
    video_codec: str = ""
    audio_codec: str = ""

    @property
    def ok(self):
        return not self.errors

    @property
    def media_type(self):
        """``"image"``, ``"video"`` or ``"document"``: the kind of WhatsApp message this file goes in."""
        if self.mime_type == "application/pdf":
            return "document"
        return self.mime_type.split("/")[0] if self.mime_type else ""


def check_media(source, *, name="", expected=None):
    """Check an image, a video or a PDF (bytes, a path, a file or a Wagtail image/document) against WhatsApp's rules.

    ``expected`` (``"image"``, ``"video"`` or ``"document"``) also refuses a file of another kind.
    """
    oversized = _oversized(source, name, expected)
    if oversized is not None:
        return oversized
    content, name = read_content(source, name)
    mime_type = filetype.guess_mime(content[:HEAD_BYTES]) or ""
    # A PDF goes only where a document is expected (a notice's document), never as an image or a video.
    pdf_out_of_place = mime_type == "application/pdf" and expected != "document"
    check = MediaCheck(name=name, mime_type=mime_type if mime_type in LIMITS else "", size=len(content))
    if mime_type not in LIMITS or pdf_out_of_place:
        message = (
            _("“%(name)s” is %(kind)s, not a JPEG or PNG image nor an MP4 or 3GP video: WhatsApp would refuse it.")
            if name
            else _("The file is %(kind)s, not a JPEG or PNG image nor an MP4 or 3GP video: WhatsApp would refuse it.")
        )
        check.errors.append(message % {"name": name, "kind": describe_type(mime_type)})
        return check
    if expected == "document" and check.media_type != expected:
        check.errors.append(_("This file is not a PDF document: only a PDF goes as a notice's document."))
        return check
    if expected and check.media_type != expected:
        if expected == "video":
            message = _("This file is an image, but a video is expected here.")
        else:
            message = _("This file is a video, but an image is expected here.")
        check.errors.append(message)
        return check
    limit = LIMITS[mime_type]
    if check.size > limit:
        sizes = {"size": f"{check.size / MB:.1f}", "limit": f"{limit // MB}"}
        if check.media_type == "document":
            message = _("The PDF document is %(size)s MB; WhatsApp accepts at most %(limit)s MB.") % sizes
        elif check.media_type == "video":
            message = _("The video is %(size)s MB; WhatsApp accepts at most %(limit)s MB.") % sizes
        else:
            message = _("The image is %(size)s MB; WhatsApp accepts at most %(limit)s MB.") % sizes
        check.errors.append(message)
        return check
    if check.media_type == "video":
        _check_codecs(check, content)
    return check


KIND_LIMITS = {"video": ("video/mp4", "video"), "document": ("application/pdf", "document")}


def _oversized(source, name, expected):
    """A stored file (a Wagtail document) whose size already says it is too large: refused without reading it, so a
    huge upload is never loaded into memory to render a confirmation page."""
    if expected not in KIND_LIMITS or isinstance(source, (bytes, bytearray, memoryview, str, os.PathLike)):
        return None
    stored = source.file if hasattr(source, "file") and not hasattr(source, "read") else source
    try:
        size = int(stored.size)
    except (AttributeError, OSError, TypeError, ValueError):
        return None
    mime_type, kind = KIND_LIMITS[expected]
    if size <= LIMITS[mime_type]:
        return None
    check = MediaCheck(name=name or str(getattr(source, "title", "") or ""), mime_type="", size=size)
    sizes = {"size": f"{size / MB:.1f}", "limit": f"{LIMITS[mime_type] // MB}"}
    if kind == "video":
        check.errors.append(_("The video is %(size)s MB; WhatsApp accepts at most %(limit)s MB.") % sizes)
    else:
        check.errors.append(_("The PDF document is %(size)s MB; WhatsApp accepts at most %(limit)s MB.") % sizes)
    return check


def _check_codecs(check, content):
    codecs = probe_codecs(content)
    if codecs is None:
        check.warnings.append(
            _(
                "The video's encoding could not be checked on this server. If WhatsApp refuses it, export it again "
                "as MP4 with H.264 video and AAC sound."
            )
        )
        return
    check.video_codec, check.audio_codec = codecs
    if not check.video_codec:
        check.errors.append(_("The video file has no picture track."))
    elif check.video_codec != "H.264":
        check.errors.append(
            _(
                "The video is encoded as %(codec)s; WhatsApp plays only H.264 video. Export it again as MP4 with "
                "H.264 video and AAC sound."
            )
            % {"codec": check.video_codec}
        )
    if check.audio_codec and check.audio_codec != "AAC":
        check.errors.append(
            _(
                "The video's sound is encoded as %(codec)s; WhatsApp accepts only AAC sound. Export it again as MP4 "
                "with H.264 video and AAC sound."
            )
            % {"codec": check.audio_codec}
        )


def describe_type(mime_type):
    names = {
        "application/pdf": _("a PDF document"),
        "image/gif": _("a GIF image"),
        "image/webp": _("a WebP image"),
        "image/heic": _("a HEIC photo"),
        "video/quicktime": _("a QuickTime (MOV) video"),
        "video/webm": _("a WebM video"),
        "application/zip": _("a ZIP archive"),
    }
    if not mime_type:
        return _("of an unknown type")
    return names.get(mime_type, _("of type %(type)s") % {"type": mime_type})


# Codec probing: pymediainfo first (ships libmediainfo in its wheels), then ffprobe. Names are normalised to
# "H.264" and "AAC"; other codecs keep the prober's name for the editor's message.

VIDEO_NAMES = {"avc": "H.264", "h264": "H.264", "hevc": "H.265 (HEVC)", "h265": "H.265 (HEVC)"}
AUDIO_NAMES = {"aac": "AAC"}


def probe_codecs(content):
    """``(video_codec, audio_codec)`` of the first tracks ("" when there is none), or None when no prober works."""
    for prober in PROBERS:
        try:
            codecs = prober(content)
        except Exception:  # a broken or missing prober must not stop the check: the editor gets a warning
            logger.warning("Media prober %s failed", prober.__name__, exc_info=True)
            continue
        if codecs is not None:
            return codecs
    return None


def _probe_with_mediainfo(content):
    try:
        from pymediainfo import MediaInfo
    except ImportError:
        return None
    if not MediaInfo.can_parse():
        return None
    info = MediaInfo.parse(io.BytesIO(content))
    video = next((t.format for t in info.tracks if t.track_type == "Video"), "") or ""
    audio = next((t.format for t in info.tracks if t.track_type == "Audio"), "") or ""
    return VIDEO_NAMES.get(video.lower(), video), AUDIO_NAMES.get(audio.lower(), audio)


def _probe_with_ffprobe(content):
    ffprobe = shutil.which("ffprobe")
    if not ffprobe:
        return None
    with tempfile.NamedTemporaryFile(suffix=".media") as temporary:
        temporary.write(content)
        temporary.flush()
        command = [ffprobe, "-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "json"]
        result = subprocess.run([*command, temporary.name], capture_output=True, timeout=30, check=True)  # noqa: S603
    streams = json.loads(result.stdout).get("streams", [])
    video = next((s.get("codec_name", "") for s in streams if s.get("codec_type") == "video"), "")
    audio = next((s.get("codec_name", "") for s in streams if s.get("codec_type") == "audio"), "")
    return VIDEO_NAMES.get(video.lower(), video), AUDIO_NAMES.get(audio.lower(), audio)


PROBERS = [_probe_with_mediainfo, _probe_with_ffprobe]


def read_content(source, name=""):
    """``(bytes, name)`` from bytes, a path, a file object, a Django file or a Wagtail image/document."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            return handle.read(), name or os.path.basename(source)
    if not hasattr(source, "read") and hasattr(source, "file"):  # Wagtail Image / Document
        name = name or getattr(source, "title", "") or ""
        source = source.file
    name = name or os.path.basename(getattr(source, "name", "") or "")
    if hasattr(source, "open") and getattr(source, "closed", False):
        source.open("rb")
    if hasattr(source, "seek"):
        source.seek(0)
    content = source.read()
    return (content.encode() if isinstance(content, str) else bytes(content)), name


def media_id_for(backend, source, *, name="", expected=None):
    """The WhatsApp media id of ``source`` for ``backend``'s number: uploaded once, reused for 29 days.

    Raises MediaRefused when the file cannot be sent (check first with ``check_media`` to show every message), and
    WhatsAppError when the upload fails.
    """
    content, name = read_content(source, name)
    check = check_media(content, name=name, expected=expected)
    if not check.ok:
        raise MediaRefused(check.errors)
    digest = hashlib.sha256(content).hexdigest()
    now = timezone.now()
    cached = MediaUpload.objects.filter(
        phone_number_id=backend.phone_number_id, sha256=digest, uploaded_at__gt=now - MEDIA_ID_MAX_AGE
    ).first()
    if cached:
        return cached.media_id
    extension = EXTENSIONS[check.mime_type]
    media_id = backend.upload_media(content, check.mime_type, filename=f"{digest[:16]}.{extension}")
    fields = {"mime_type": check.mime_type, "media_id": media_id, "size": len(content), "uploaded_at": now}
    try:
        with transaction.atomic():
            MediaUpload.objects.update_or_create(
                phone_number_id=backend.phone_number_id, sha256=digest, defaults=fields
            )
    except IntegrityError:  # another worker stored the same file meanwhile: both ids are valid, keep theirs
        pass
    return media_id
