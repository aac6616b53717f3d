"""The sandbox backend: every BaseBackend method works offline, statuses come back through the webhook path."""

import socket

import pytest

from wagtail_whatsapp import signals
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import BlockResult, ErrorKind, PhoneNumberInfo, SendResult, WhatsAppError
from wagtail_whatsapp.models import Broadcast, Delivery, SandboxMessage, StatusUpdate, Subscriber
from wagtail_whatsapp.sandbox.backend import SandboxBackend

NUMBER_ID = "106540352242922"


@pytest.fixture
def backend(site):
    return get_backend(NUMBER_ID)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the sandbox backend must never touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_get_backend_gives_the_sandbox(backend):
    assert isinstance(backend, SandboxBackend)
    assert backend.phone_number_id == NUMBER_ID


def test_send_text_stores_the_message_and_feeds_statuses_back(backend):
    result = backend.send_text("+39 333 123 4567", "Ciao dal Comune", preview_url=True)
    assert isinstance(result, SendResult) and result.wamid.startswith("wamid.")
    stored = SandboxMessage.objects.get(wamid=result.wamid)
    assert (stored.direction, stored.recipient, stored.status) == ("out", "+393331234567", "read")
    assert stored.text == "Ciao dal Comune"
    assert stored.body["to"] == "393331234567" and stored.body["text"]["preview_url"] is True
    assert list(StatusUpdate.objects.filter(wamid=result.wamid).order_by("pk").values_list("status", flat=True)) == [
        "sent",
        "delivered",
        "read",
    ]


def test_statuses_carry_the_callback_data_and_move_the_delivery(backend, site):
    broadcast = Broadcast.objects.create(site=site, title="Avviso", message="...")
    subscriber = Subscriber.objects.create(site=site, phone_number="+393331234567")
    delivery = Delivery.objects.create(broadcast=broadcast, subscriber=subscriber, status="sending")
    seen = []

    def receiver(sender, status_update, site, **kwargs):
        seen.append((status_update.status, status_update.callback_data, site))

    signals.status_updated.connect(receiver)
    try:
        backend.send_template(subscriber.recipient, "notizia_comune", "it", [], callback_data=delivery.callback_data)
    finally:
        signals.status_updated.disconnect(receiver)
    delivery.refresh_from_db()
    assert delivery.status == "read" and delivery.wamid
    broadcast.refresh_from_db()
    assert (broadcast.sent_count, broadcast.delivered_count, broadcast.read_count) == (1, 1, 1)
    assert [item[0] for item in seen] == ["sent", "delivered", "read"]
    assert {item[1] for item in seen} == {delivery.callback_data}
    assert {item[2] for item in seen} == {site}


def test_statuses_carry_metas_pricing_so_the_sandbox_shows_costs(backend, site):
    from wagtail_whatsapp.models import MessageTemplate

    MessageTemplate.objects.create(waba_id="1", name="allerta", language="it", category="UTILITY", status="APPROVED")
    broadcast = Broadcast.objects.create(site=site, title="Avviso", message="...")
    deliveries = [
        Delivery.objects.create(broadcast=broadcast, subscriber=Subscriber.objects.create(site=site, phone_number=n))
        for n in ("+393331234567", "+393331234568")
    ]
    backend.send_template("393331234567", "allerta", "it", [], callback_data=deliveries[0].callback_data)
    backend.send_text("393331234568", "Ciao", callback_data=deliveries[1].callback_data)
    billed = Delivery.objects.billed()
    assert list(billed.values_list("pk", "billing_category")) == [(deliveries[0].pk, "utility")]
    assert Delivery.objects.get(pk=deliveries[1].pk).billing_category == "service"


def test_send_media_and_upload(backend):
    media_id = backend.upload_media(b"\x89PNG...", "image/png", "foto.png")
    assert media_id.isdigit()
    result = backend.send_media("393331234567", "image", media_id, caption="Piazza")
    stored = SandboxMessage.objects.get(wamid=result.wamid)
    assert stored.body["image"] == {"id": media_id, "caption": "Piazza"}
    assert stored.text == "Piazza"


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.send_text("393331234567", "x" * 4097),
        lambda b: b.send_text("393331234567", "   "),
        lambda b: b.send_text("", "ciao"),
        lambda b: b.send_media("393331234567", "audio", "1"),
        lambda b: b.send_media("393331234567", "image", "1", caption="x" * 1025),
        lambda b: b.send_template("393331234567", "", "it"),
        lambda b: b.upload_media(b"", "image/png"),
    ],
)
def test_bad_requests_fail_like_meta_would(backend, call):
    with pytest.raises(WhatsAppError) as caught:
        call(backend)
    assert caught.value.kind == ErrorKind.RECIPIENT and caught.value.code == 100
    assert not SandboxMessage.objects.exists()


def test_block_unblock_and_mark_as_read(backend):
    assert backend.block_users(["393331234567"]) == BlockResult(added=["393331234567"])
    assert backend.unblock_users(["393331234567"]).added == ["393331234567"]
    assert backend.mark_as_read("wamid.anything") is True


def test_list_templates_offers_an_approved_italian_news_template(backend):
    template, *family = backend.list_templates("200000000000001")
    assert (template.name, template.language, template.status, template.category) == (
        "notizia_comune",
        "it",
        "APPROVED",
        "MARKETING",
    )
    kinds = {component["type"]: component for component in template.components}
    assert kinds["HEADER"]["format"] == "IMAGE"
    assert "{{titolo}}" in kinds["BODY"]["text"] and "{{sommario}}" in kinds["BODY"]["text"]
    [button] = kinds["BUTTONS"]["buttons"]
    assert button["type"] == "URL" and button["url"] == "http://testserver/{{1}}"
    # And the whole recommended family, approved at once (Meta takes minutes to a day).
    assert {(t.name, t.status) for t in family} == {
        ("comune_avviso", "APPROVED"),
        ("comune_notizia_immagine", "APPROVED"),
        ("comune_notizia_video", "APPROVED"),
        ("comune_avviso_documento", "APPROVED"),
        ("comune_evento", "APPROVED"),
    }


def test_the_sandbox_approves_a_new_template_at_once(backend):
    from wagtail_whatsapp.outbound.recommended_family import recommended_family

    template = recommended_family("http://testserver", category="UTILITY")[0]  # comune_avviso, the text one
    created = backend.create_template("200000000000001", template)
    assert (created.name, created.status, created.category) == ("comune_avviso", "APPROVED", "UTILITY")


def test_a_pdf_goes_as_a_document_with_its_name(backend):
    backend.send_media("393331234567", "document", "12345", caption="Ordinanza", filename="ordinanza.pdf")
    message = SandboxMessage.objects.get()
    assert message.body["document"] == {"id": "12345", "filename": "ordinanza.pdf", "caption": "Ordinanza"}


def test_phone_number_info(backend):
    info = backend.get_phone_number_info()
    assert isinstance(info, PhoneNumberInfo)
    assert (info.phone_number_id, info.messaging_limit_tier) == (NUMBER_ID, "TIER_250")


def test_sandbox_template_send_accepts_typed_parameters_like_the_cloud_backend(db):
    from wagtail_whatsapp.backends.base import TemplateParameters
    from wagtail_whatsapp.models import SandboxMessage
    from wagtail_whatsapp.sandbox.backend import SandboxBackend

    parameters = TemplateParameters(
        header_media_type="image", header_media_id="123", body={"title": "Via Roma chiusa"}, url_button_suffixes=("x/",)
    )
    result = SandboxBackend("106540352242922").send_template("393331234567", "notizia_comune", "it", parameters)
    stored = SandboxMessage.objects.get(wamid=result.wamid)
    components = {c["type"]: c for c in stored.body["template"]["components"]}
    assert components["header"]["parameters"][0]["image"]["id"] == "123"
    assert components["body"]["parameters"][0]["text"] == "Via Roma chiusa"
    assert components["button"]["parameters"][0]["text"] == "x/"
