"""Media in the sandbox backend: uploads come back from ``download_media``; anything else is a placeholder PNG that
says it is a sandbox image, so the moderation inbox works offline (``make demo``)."""

import io
import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests import media_files
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.models import SandboxMedia
from wagtail_whatsapp.sandbox.media import MAX_KEPT_BYTES


@pytest.fixture
def backend(db, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the sandbox backend must never touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return get_backend("106540352242922")


def test_an_upload_is_downloaded_back(backend):
    photo = media_files.jpeg((20, 10))
    media_id = backend.upload_media(photo, "image/jpeg", "foto.jpg")
    assert backend.download_media(media_id) == (photo, "image/jpeg")


def test_unknown_media_is_a_placeholder_png_saying_sandbox(backend):
    content, mime_type = backend.download_media("wamid-media-of-a-simulated-citizen")
    assert mime_type == "image/png"
    image = Image.open(io.BytesIO(content))
    assert (image.format, image.size) == ("PNG", (480, 320))


def test_an_empty_media_id_is_refused(backend):
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("")
    assert info.value.kind == ErrorKind.RECIPIENT


def test_uploads_are_kept_30_days_like_meta(backend):
    old_id = backend.upload_media(b"old", "image/png")
    SandboxMedia.objects.filter(media_id=old_id).update(uploaded_at=timezone.now() - timedelta(days=31))
    new_id = backend.upload_media(b"new", "image/png")
    assert list(SandboxMedia.objects.values_list("media_id", flat=True)) == [new_id]
    assert backend.download_media(old_id)[1] == "image/png"  # the placeholder now, as an expired id would be


def test_media_too_big_for_whatsapp_is_not_kept(backend):
    media_id = backend.upload_media(b"x" * (MAX_KEPT_BYTES + 1), "video/mp4")
    assert not SandboxMedia.objects.filter(media_id=media_id).exists()
