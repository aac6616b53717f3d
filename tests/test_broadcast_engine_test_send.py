"""The editor's test message: one message to a typed number, as a subscriber would get it."""

import pytest

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.models import Broadcast
from wagtail_whatsapp.outbound.broadcasts import BroadcastRefused, send_test_message

pytestmark = pytest.mark.django_db


def test_an_invalid_number_is_refused_with_a_clear_reason(site, test_backend):
    page = news_page(site)
    with pytest.raises(BroadcastRefused) as refused:
        send_test_message(page, "123")
    assert "“123” is not a valid phone number" in str(refused.value.reason)
    assert test_backend.sent == []


def test_a_number_inside_its_window_gets_the_free_form_message(site, test_backend):
    subscribers(site, 1, in_window=1)  # +393330000000 wrote an hour ago
    page = news_page(site)
    result = send_test_message(page, "333 000 0000")
    [message] = test_backend.sent
    assert message["to"] == "393330000000" and message["type"] == "text"
    assert message["payload"]["body"] == page.get_whatsapp_message()
    assert result.wamid == message["wamid"]
    assert not Broadcast.objects.exists()  # a test is not a broadcast


def test_outside_the_window_the_editor_sees_the_template(site, test_backend, broadcast_template):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="Foto", file=get_test_image_file())
    page = news_page(site, image=image)
    send_test_message(page, "+39 347 123 4567")
    [message] = test_backend.sent
    assert message["type"] == "template" and message["payload"]["name"] == broadcast_template.name
    assert message["payload"]["components"][0]["parameters"][0]["image"]["id"] == "media-1"


def test_whatsapps_refusal_is_told_to_the_editor(site, test_backend):
    page = news_page(site)
    test_backend.faults["393471234567"] = [
        WhatsAppError("Re-engagement message", kind=ErrorKind.RECIPIENT, code=131047)
    ]
    with pytest.raises(BroadcastRefused, match="WhatsApp did not accept the test message: #131047"):
        send_test_message(page, "+39 347 123 4567")
