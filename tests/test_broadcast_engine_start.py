"""Starting a broadcast: snapshot, page history, fan-out, template outside the window, once per revision."""

import pytest
from django.db import IntegrityError
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageLogEntry

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound.broadcasts import start_broadcast
from wagtail_whatsapp.outbound.plan import BroadcastRefused
from wagtail_whatsapp.outbound.progress import progress_of as broadcast_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(db):
    return get_image_model().objects.create(title="Via Roma", file=get_test_image_file())


def test_every_active_subscriber_gets_exactly_one_message(
    site, test_backend, broadcast_template, image, admin_user, django_capture_on_commit_callbacks
):
    subscribers(site, 6, in_window=2)
    page = news_page(site, image=image)
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = start_broadcast(page, user=admin_user)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE
    assert sorted(test_backend.numbers()) == [f"39333{n:07d}" for n in range(6)]
    by_number = {message["to"]: message for message in test_backend.sent}
    # Inside the window: the image with the text as caption; the image was uploaded once for the whole broadcast.
    assert by_number["393330000000"]["type"] == "image"
    assert by_number["393330000000"]["payload"]["caption"] == broadcast.message
    assert len(test_backend.uploads) == 1
    # Outside it: the approved template, header image by media id, body from the page, URL button suffix.
    template = by_number["393330000005"]
    assert template["type"] == "template" and template["payload"]["name"] == "notizia_comune"
    header, body, button = template["payload"]["components"]
    assert header["parameters"][0]["image"]["id"] == by_number["393330000000"]["payload"]["id"]
    assert [p["text"] for p in body["parameters"]] == [page.title, "Lavori in corso."]
    assert button["sub_type"] == "url" and button["parameters"][0]["text"] == page.url_path.split("/", 2)[2]
    assert all(m["callback_data"].startswith("wagtail_whatsapp:delivery:") for m in test_backend.sent)
    progress = broadcast_progress(broadcast)
    assert (progress["total"], progress["sent"], progress["percent_done"]) == (6, 6, 100.0)
    assert broadcast.sent_count == 6
    assert Delivery.objects.filter(broadcast=broadcast, used_template=True).count() == 4
    entry = PageLogEntry.objects.get(page=page, action="wagtail_whatsapp.broadcast")
    assert entry.user == admin_user and entry.data["recipients"] == 6
    assert "Sent via WhatsApp to 6 subscribers" in entry.message


def test_a_blocked_broadcast_does_not_start(site, test_backend):
    subscribers(site, 3, in_window=0)
    with pytest.raises(BroadcastRefused) as refused:
        start_broadcast(news_page(site))
    assert "no approved template for this page" in str(refused.value.reason)
    assert not Broadcast.objects.exists() and test_backend.sent == []


def test_the_message_is_a_snapshot(site, test_backend):
    subscribers(site, 2, in_window=2)
    page = news_page(site)
    broadcast = start_broadcast(page)  # queued; the task runs at commit
    page.whatsapp_message_override = "Testo cambiato dopo"
    page.save_revision().publish()
    from wagtail_whatsapp.outbound.sender import send_broadcast

    send_broadcast(broadcast.pk)
    assert {m["payload"]["body"] for m in test_backend.sent} == {broadcast.message}
    assert "Testo cambiato" not in broadcast.message


def test_once_per_revision(site, test_backend, django_capture_on_commit_callbacks):
    subscribers(site, 3, in_window=3)
    page = news_page(site)
    with django_capture_on_commit_callbacks(execute=True):
        first = start_broadcast(page, revision=page.live_revision, once_per_revision=True)
        second = start_broadcast(page, revision=page.live_revision, once_per_revision=True)
    assert first is not None and second is None
    assert len(test_backend.sent) == 3
    # The database refuses it too, whatever the caller does.
    with pytest.raises(IntegrityError):
        Broadcast.objects.create(
            site=site, page=page, revision=page.live_revision, title="x", message="x", once_per_revision=True
        )


def test_a_new_revision_or_the_editors_action_may_send_again(site, test_backend, django_capture_on_commit_callbacks):
    subscribers(site, 2, in_window=2)
    page = news_page(site)
    with django_capture_on_commit_callbacks(execute=True):
        start_broadcast(page, once_per_revision=True)
        start_broadcast(page)  # the editor's explicit "Send via WhatsApp" again
        page.save_revision().publish()
        page.refresh_from_db()
        start_broadcast(page, once_per_revision=True)
    assert Broadcast.objects.filter(page=page).count() == 3
    assert len(test_backend.sent) == 6
