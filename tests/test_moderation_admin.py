"""The moderation inbox through the admin: flags shown, review, delete (tombstone), report (evidence bundle),
block the sender, media shown through a short-lived download; every action in Wagtail's audit log."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.whatsapp_data import make_message, make_subscriber
from wagtail_whatsapp.backends.test import MEDIA_BYTES
from wagtail_whatsapp.inbound.moderation import flag_message
from wagtail_whatsapp.models import ConsentRecord, InboundMessage, Subscriber
from wagtail_whatsapp.subscribers.blocking import is_number_blocked

pytestmark = pytest.mark.django_db
INBOX = "wagtail_whatsapp_inboundmessage_modeladmin_index"


def url(name, message):
    return reverse(f"wagtail_whatsapp_admin:{name}", args=[message.pk])


@pytest.fixture
def moderator(client, whatsapp_user):
    user = whatsapp_user("moderate_inbox")
    client.force_login(user)
    return user


@pytest.fixture
def offensive(site):
    message = make_message(site, "Sindaco sei un idiota, guarda www.truffa.com")
    flag_message(message)
    return message


def report_and_download(client, message, data=None):
    """Report from the message page, then follow the confirmation's "Download the evidence" button."""
    page = client.post(url("inbox_report", message), data or {}, follow=True).content.decode()
    evidence = reverse("wagtail_whatsapp_admin:inbox_evidence") + f"?id={message.pk}"
    assert f'href="{evidence}"' in page
    return client.get(evidence)


def _logged(action, user, message):
    return ModelLogEntry.objects.filter(action=action, user=user, object_id=str(message.pk)).exists()


def test_inbox_lists_messages_with_their_flags(client, moderator, offensive):
    html = client.get(reverse(INBOX)).content.decode()
    assert "Sindaco sei un idiota" in html
    assert "Link to an outside site: www.truffa.com" in html
    assert "Offensive or threatening words: idiota" in html
    html = client.get(reverse(INBOX), {"flagged__exact": "0"}).content.decode()
    assert "Sindaco" not in html


def test_detail_shows_text_flags_and_actions(client, moderator, offensive):
    html = client.get(url("inbox_detail", offensive)).content.decode()
    assert "www.truffa.com" in html and "data-flags" in html
    assert url("inbox_delete", offensive) in html and url("inbox_report", offensive) in html


def test_mark_reviewed(client, moderator, offensive):
    response = client.post(url("inbox_review", offensive))
    assert response.status_code == 302
    offensive.refresh_from_db()
    assert offensive.state == InboundMessage.State.REVIEWED and offensive.moderated_by == moderator
    assert _logged("wagtail_whatsapp.message.review", moderator, offensive)


def test_delete_wipes_the_content_and_keeps_a_tombstone(client, moderator, offensive):
    assert client.post(url("inbox_delete", offensive), {"reason": ""}).status_code == 302
    offensive.refresh_from_db()
    assert offensive.state == InboundMessage.State.NEW  # no reason, no deletion

    client.post(url("inbox_delete", offensive), {"reason": "insulti al sindaco"})
    offensive.refresh_from_db()
    assert offensive.state == InboundMessage.State.DELETED
    assert offensive.text == "" and offensive.payload == {} and offensive.media_id == ""
    assert offensive.moderated_by == moderator and offensive.moderation_note == "insulti al sindaco"
    assert offensive.phone_number and offensive.sent_at  # who and when stay
    html = client.get(url("inbox_detail", offensive)).content.decode()
    assert "insulti al sindaco" in html and "Sindaco sei" not in html
    assert _logged("wagtail_whatsapp.message.delete", moderator, offensive)


def test_report_downloads_an_evidence_bundle(client, moderator, offensive, test_backend):
    response = report_and_download(client, offensive, {"reason": "minacce"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    evidence = json.loads(bundle.read("evidence.json"))
    # Meta's wamid encodes the sender's number: a moderator who does not see numbers does not get it either.
    assert evidence["message"]["wamid"] == ""
    assert evidence["message"]["text"] == offensive.text
    assert evidence["message"]["sent_at"] == offensive.sent_at.isoformat()
    assert evidence["sender"]["phone_number"] == "+39 348 ••• •511"  # a moderator does not see numbers
    assert evidence["reported_by"]["username"] == moderator.username
    assert evidence["reason"] == "minacce"
    assert "evidence.txt" in bundle.namelist()
    offensive.refresh_from_db()
    assert offensive.state == InboundMessage.State.REPORTED
    assert _logged("wagtail_whatsapp.message.report", moderator, offensive)


def test_report_by_a_subscriber_manager_carries_the_full_number_and_the_media(
    client, whatsapp_user, site, test_backend
):
    client.force_login(whatsapp_user("moderate_inbox", "manage_subscribers"))
    message = make_message(site, "", message_type="image", media_id="m1", media_mime_type="image/jpeg")
    bundle = zipfile.ZipFile(io.BytesIO(report_and_download(client, message).content))
    assert json.loads(bundle.read("evidence.json"))["sender"]["phone_number"] == "+393481234511"
    assert bundle.read("media.jpeg") == MEDIA_BYTES


def test_block_the_sender_of_a_recent_message(client, moderator, offensive, test_backend):
    response = client.post(url("inbox_block", offensive), {"reason": "insulti"}, follow=True)
    assert "The sender is blocked" in response.content.decode()
    subscriber = Subscriber.objects.get(phone_number=offensive.phone_number)
    assert subscriber.status == Subscriber.Status.BLOCKED
    assert is_number_blocked(offensive.site, offensive.phone_number)
    assert test_backend.calls == [("block_users", (["393481234511"],))]  # wrote 5 minutes ago
    record = ConsentRecord.objects.get(action=ConsentRecord.Action.BLOCK)
    assert record.performed_by == moderator and record.message_wamid == offensive.wamid
    assert ModelLogEntry.objects.filter(action="wagtail_whatsapp.block", user=moderator).exists()
    assert "data-blocked" in client.get(url("inbox_detail", offensive)).content.decode()


def test_block_of_an_old_message_stays_local_and_keeps_the_subscriber_row(client, moderator, site, test_backend):
    subscriber = make_subscriber(site, "+393481234511")
    message = make_message(site, "spam", subscriber=subscriber, sent_at=timezone.now() - timedelta(days=2))
    client.post(url("inbox_block", message))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.BLOCKED
    assert test_backend.calls == []


def test_media_is_streamed_in_place_and_never_cached(client, moderator, site, test_backend):
    message = make_message(site, "", message_type="image", media_id="m1", media_mime_type="image/jpeg")
    html = client.get(url("inbox_detail", message)).content.decode()
    assert f'<img src="{url("inbox_media", message)}"' in html
    response = client.get(url("inbox_media", message))
    assert response.status_code == 200 and response.content == MEDIA_BYTES
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    assert test_backend.calls == [("download_media", ("m1",))]


def test_unsafe_media_type_is_a_download_not_rendered(client, moderator, site, test_backend, monkeypatch):
    monkeypatch.setattr(test_backend, "download_media", lambda self, media_id: (b"<script>", "text/html"))
    message = make_message(site, "", message_type="document", media_id="d1", media_mime_type="text/html")
    response = client.get(url("inbox_media", message))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_expired_media_is_a_clear_404(client, moderator, site, test_backend):
    message = make_message(site, "", message_type="image", media_id="gone", media_mime_type="image/jpeg")
    response = client.get(url("inbox_media", message))
    assert response.status_code == 404
    assert "no longer available" in response.content.decode()


def test_backend_without_download_is_a_clear_404(client, moderator, site, settings):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BACKEND": "wagtail_whatsapp.backends.base.BaseBackend"}
    message = make_message(site, "", message_type="image", media_id="m1", media_mime_type="image/jpeg")
    assert client.get(url("inbox_media", message)).status_code == 404


# The real backends behind the media view (download_media)


def test_sandbox_shows_a_placeholder_for_a_simulated_citizens_image(client, moderator, site):
    from PIL import Image

    message = make_message(site, "", message_type="image", media_id="4490709327384033", media_mime_type="image/jpeg")
    assert f'<img src="{url("inbox_media", message)}"' in client.get(url("inbox_detail", message)).content.decode()
    response = client.get(url("inbox_media", message))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (480, 320)


def test_a_citizens_image_is_fetched_from_the_cloud_api(client, moderator, site, fake_graph):
    from tests.media_files import jpeg

    photo = jpeg((40, 30))
    fake_graph.add_media("1479537139650973", photo, "image/jpeg")
    message = make_message(site, "", message_type="image", media_id="1479537139650973", media_mime_type="image/jpeg")
    response = client.get(url("inbox_media", message))
    assert response.status_code == 200 and response.content == photo
    assert response["Content-Type"] == "image/jpeg" and "no-store" in response["Cache-Control"]
    bundle = zipfile.ZipFile(io.BytesIO(report_and_download(client, message).content))
    assert bundle.read("media.jpeg") == photo


def test_media_the_cloud_api_does_not_know_is_a_clear_404(client, moderator, site, fake_graph):
    message = make_message(site, "", message_type="image", media_id="31337", media_mime_type="image/jpeg")
    response = client.get(url("inbox_media", message))
    assert response.status_code == 404 and "no longer available" in response.content.decode()


def test_a_simulated_citizens_photo_shows_in_the_inbox_offline(client, moderator, webhook_site_settings, tmp_path):
    from django.core.management import call_command

    from tests.media_files import jpeg

    photo_file = tmp_path / "buca.jpg"
    photo_file.write_bytes(jpeg((24, 24)))
    call_command("whatsapp_simulate_inbound", "+393331234567", "Buca in via Roma", image=str(photo_file))
    call_command("whatsapp_simulate_inbound", "+393331234567", "", image="")
    with_file, placeholder = InboundMessage.objects.filter(message_type="image").order_by("pk")
    assert with_file.text == "Buca in via Roma" and with_file.media_mime_type == "image/jpeg"
    assert client.get(url("inbox_media", with_file)).content == photo_file.read_bytes()
    assert client.get(url("inbox_media", placeholder))["Content-Type"] == "image/png"
