"""A page with an image and a video (or a PDF): one goes, the editor chooses which on the confirmation page (default:
the page model's choice), and is told; a media that cannot go is refused with the reason."""

import pytest

from tests import media_files
from tests.broadcasting import news_page, subscribers
from tests.family_pages import event_page, wagtail_document, wagtail_image
from wagtail_whatsapp.models import Broadcast
from wagtail_whatsapp.outbound.plan import plan_broadcast

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(site):
    subscribers(site, 2, in_window=2)  # inside the window: no template needed here
    video = wagtail_document("Parco", media_files.mp4(), "parco.mp4")
    return news_page(site, title="Foto e video", image=wagtail_image(), video=video)


def confirm_url(page, media=""):
    return f"/admin/whatsapp/pages/{page.pk}/send/" + (f"?media={media}" if media else "")


def test_the_image_goes_by_default_and_the_video_left_out_is_named(both):
    plan = plan_broadcast(both)
    assert plan.media["type"] == "image" and plan.media_options == ["image", "video"]
    assert any("the image goes, the video does not" in str(warning) for warning in plan.warnings)


def test_the_page_model_may_prefer_the_video(both, monkeypatch):
    monkeypatch.setattr(type(both), "whatsapp_preferred_media", "video")
    assert plan_broadcast(both).media["type"] == "video"


def test_the_editor_chooses_the_video_and_the_broadcast_sends_it(client, sender, both, test_backend):
    client.force_login(sender)
    html = client.get(confirm_url(both, "video")).content.decode()
    assert 'data-media-going="video"' in html and "The video goes with the message." in html
    assert 'name="media" value="video"' in html  # the choice (radio) and the confirm form carry it
    response = client.post(confirm_url(both), {"media": "video"})
    assert response.status_code == 302
    assert Broadcast.objects.get().media["type"] == "video"


def test_the_default_choice_is_shown_and_sent(client, sender, both, test_backend):
    client.force_login(sender)
    html = client.get(confirm_url(both)).content.decode()
    assert 'data-media-going="image"' in html and "data-media-choice" in html
    client.post(confirm_url(both), {"media": ""})
    assert Broadcast.objects.get().media["type"] == "image"


def test_the_test_send_goes_with_the_chosen_media(client, sender, both, test_backend):
    client.force_login(sender)
    response = client.post(
        f"/admin/whatsapp/pages/{both.pk}/send/test/", {"number": "+39 333 000 0000", "media": "video"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?media=video")
    (message,) = test_backend.sent
    assert message["type"] == "video"


def test_an_event_can_carry_a_video(site):
    subscribers(site, 1, in_window=1)
    page = event_page(site, video=wagtail_document("Sfilata", media_files.mp4(), "sfilata.mp4"))
    plan = plan_broadcast(page)
    assert plan.media["type"] == "video" and not plan.problems


@pytest.mark.parametrize(
    "content, name, reason",
    [
        # Meta's limit is 100 MB; the test lowers it to 1 MB rather than write a 101 MB file.
        (media_files.padded(media_files.pdf(), 2 * 1024 * 1024), "grande.pdf", "WhatsApp accepts at most 1 MB"),
        (media_files.jpeg(), "finto.pdf", "not a PDF document"),
    ],
    ids=["pdf-over-100-MB", "jpeg-named-pdf"],
)
def test_a_document_that_cannot_go_is_refused_with_the_reason(client, sender, site, content, name, reason, monkeypatch):
    from wagtail_whatsapp.outbound import media

    assert media.LIMITS["application/pdf"] == 100 * 1024 * 1024
    monkeypatch.setitem(media.LIMITS, "application/pdf", 1024 * 1024)
    subscribers(site, 1, in_window=1)
    page = news_page(site, title="Avviso", document=wagtail_document("Avviso", content, name))
    plan = plan_broadcast(page)
    assert any(reason in str(problem) for problem in plan.problems)
    client.force_login(sender)
    html = client.get(confirm_url(page)).content.decode()
    assert "data-problems" in html and reason in html


def test_a_video_with_another_codec_is_refused_on_the_confirmation_page(client, sender, site):
    subscribers(site, 1, in_window=1)
    page = news_page(site, video=wagtail_document("HEVC", media_files.mp4(video=b"hvc1"), "hevc.mp4"))
    client.force_login(sender)
    html = client.get(confirm_url(page)).content.decode()
    assert "data-problems" in html and "WhatsApp plays only H.264 video" in html


def test_a_stored_document_too_large_is_refused_without_being_read(site, monkeypatch):
    from wagtail_whatsapp.outbound import media

    subscribers(site, 1, in_window=1)
    document = wagtail_document("Avviso", media_files.padded(media_files.pdf(), 3 * 1024 * 1024), "avviso.pdf")
    page = news_page(site, title="Avviso grande", document=document)
    monkeypatch.setitem(media.LIMITS, "application/pdf", 2 * 1024 * 1024)
    monkeypatch.setattr(media, "read_content", lambda *args, **kwargs: pytest.fail("the file was read"))
    plan = plan_broadcast(page)
    assert "The PDF document is 3.0 MB; WhatsApp accepts at most 2 MB." in [str(p) for p in plan.problems]
