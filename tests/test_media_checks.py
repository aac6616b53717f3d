"""Media are checked before any broadcast starts, with messages an editor understands, and uploaded once."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests import media_files
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.models import MediaUpload
from wagtail_whatsapp.outbound import media
from wagtail_whatsapp.outbound.media import MediaRefused, check_media, media_id_for

MB = 1024 * 1024


def test_a_jpeg_and_a_png_pass():
    for content, mime_type in ((media_files.jpeg(), "image/jpeg"), (media_files.png(), "image/png")):
        check = check_media(content, name="foto")
        assert check.ok and check.mime_type == mime_type and check.media_type == "image"


def test_a_pdf_renamed_jpg_is_refused_by_its_content():
    check = check_media(ContentFile(media_files.pdf(), name="locandina.jpg"))
    assert check.errors == [
        "“locandina.jpg” is a PDF document, not a JPEG or PNG image nor an MP4 or 3GP video: WhatsApp would refuse it."
    ]


def test_a_jpeg_named_pdf_passes_because_the_content_decides():
    assert check_media(ContentFile(media_files.jpeg(), name="strano.pdf")).ok


def test_a_20_mb_video_is_refused():
    check = check_media(media_files.mp4(total_bytes=20 * MB))
    assert check.errors == ["The video is 20.0 MB; WhatsApp accepts at most 16 MB."]


def test_a_6_mb_image_is_refused_and_5_mb_passes():
    assert check_media(media_files.padded(media_files.jpeg(), 5 * MB)).ok
    assert check_media(media_files.padded(media_files.jpeg(), 6 * MB)).errors == [
        "The image is 6.0 MB; WhatsApp accepts at most 5 MB."
    ]


def test_a_gif_or_unknown_bytes_are_refused():
    assert "a GIF image" in check_media(b"GIF89a" + b"\0" * 50).errors[0]
    assert "of an unknown type" in check_media(b"hello").errors[0]


def test_h264_with_aac_passes():
    check = check_media(media_files.mp4(), name="video.mp4")
    assert check.ok and not check.warnings
    assert (check.video_codec, check.audio_codec) == ("H.264", "AAC")


def test_a_silent_h264_video_passes():
    assert check_media(media_files.mp4(audio=None)).ok


def test_hevc_video_is_refused_with_an_explanation():
    (error,) = check_media(media_files.mp4(video=b"hvc1")).errors
    assert error.startswith("The video is encoded as H.265 (HEVC); WhatsApp plays only H.264 video.")


def test_non_aac_sound_is_refused():
    (error,) = check_media(media_files.mp4(audio=b"Opus")).errors
    assert "sound is encoded as Opus" in error


def test_when_codecs_cannot_be_probed_the_editor_gets_a_warning(monkeypatch):
    monkeypatch.setattr(media, "PROBERS", [lambda content: None])
    check = check_media(media_files.mp4(video=b"hvc1"))
    assert check.ok and check.warnings == [
        "The video's encoding could not be checked on this server. If WhatsApp refuses it, export it again as MP4 "
        "with H.264 video and AAC sound."
    ]


def test_a_broken_prober_is_a_warning_too(monkeypatch):
    def broken(content):
        raise OSError("libmediainfo missing")

    monkeypatch.setattr(media, "PROBERS", [broken])
    assert check_media(media_files.mp4()).warnings


def test_the_expected_kind_is_enforced():
    assert check_media(media_files.jpeg(), expected="video").errors == [
        "This file is an image, but a video is expected here."
    ]


# Upload caching


@pytest.mark.django_db
def test_each_file_is_uploaded_once_and_reused(fake_graph):
    backend = get_backend()
    image = media_files.jpeg()
    first = media_id_for(backend, ContentFile(image, name="a.jpg"))
    again = media_id_for(backend, image)
    assert first == again and len(fake_graph.media) == 1
    assert fake_graph.media[first]["mime_type"] == "image/jpeg"
    upload = MediaUpload.objects.get()
    assert (upload.phone_number_id, upload.media_id, upload.size) == ("106540352242922", first, len(image))


@pytest.mark.django_db
def test_an_upload_older_than_29_days_is_uploaded_again(fake_graph):
    backend = get_backend()
    video = media_files.mp4()
    first = media_id_for(backend, video)
    MediaUpload.objects.update(uploaded_at=timezone.now() - timedelta(days=29, minutes=1))
    second = media_id_for(backend, video)
    assert second != first and len(fake_graph.media) == 2
    assert MediaUpload.objects.get().media_id == second


@pytest.mark.django_db
def test_another_number_gets_its_own_upload(fake_graph):
    image = media_files.png()
    media_id_for(get_backend(), image)
    media_id_for(get_backend("999999999"), image)
    assert len(fake_graph.media) == 2 and MediaUpload.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content", [media_files.mp4(total_bytes=20 * MB), media_files.pdf()], ids=["20-MB-video", "pdf-as-jpg"]
)
def test_refused_files_never_reach_whatsapp(fake_graph, content):
    with pytest.raises(MediaRefused) as info:
        media_id_for(get_backend(), ContentFile(content, name="allegato.jpg"))
    assert info.value.errors and fake_graph.requests == []
    assert not MediaUpload.objects.exists()


@pytest.mark.django_db
def test_wagtail_images_and_documents_are_read_from_their_files(fake_graph):
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    image = get_image_model().objects.create(title="Piazza", file=ContentFile(media_files.jpeg(), name="piazza.jpg"))
    assert check_media(image).ok
    assert media_id_for(get_backend(), image, expected="image") in fake_graph.media
    document = get_document_model().objects.create(
        title="Locandina", file=ContentFile(media_files.pdf(), name="locandina.jpg")
    )
    (error,) = check_media(document).errors
    assert error.startswith("“Locandina” is a PDF document")
