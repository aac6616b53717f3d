"""What one POST stores and triggers: batches, message types, routing, idempotency, signals (issue 3)."""

import pytest
from django.test import override_settings
from wagtail.models import Page, Site

from tests.signing import load_webhook
from wagtail_whatsapp import signals
from wagtail_whatsapp.models import InboundMessage, SandboxMessage, StatusUpdate, Subscriber, WhatsAppSettings
from wagtail_whatsapp.sandbox.simulate import envelope, text_message_payload

NUMBER_ID = "106540352242922"


@pytest.fixture
def received():
    """Collects every plugin signal sent during a test: {signal name: [kwargs, ...]}."""
    caught = {}
    names = ["message_received", "status_updated", "subscribed", "unsubscribed", "change_received"]
    receivers = []
    for name in names:

        def receiver(sender, _name=name, **kwargs):
            caught.setdefault(_name, []).append(kwargs)

        getattr(signals, name).connect(receiver, weak=False)
        receivers.append((name, receiver))
    yield caught
    for name, receiver in receivers:
        getattr(signals, name).disconnect(receiver)


def message(wamid, text="ciao", number="393331234567", msg_type="text", **extra):
    body = {"from": number, "id": wamid, "timestamp": "1749416383", "type": msg_type, **extra}
    if msg_type == "text":
        body["text"] = {"body": text}
    return body


def batch_payload():
    """Two entries, three changes: messages and statuses mixed, as Meta batches them."""
    first = envelope(NUMBER_ID, {"contacts": [{"profile": {"name": "Anna"}, "wa_id": "393331234567"}]})
    first["entry"][0]["changes"][0]["value"]["messages"] = [message("wamid.m1"), message("wamid.m2", "buongiorno")]
    second_change = envelope(NUMBER_ID, {"statuses": [{"id": "wamid.o1", "status": "sent", "timestamp": "1750030073"}]})
    first["entry"][0]["changes"].append(second_change["entry"][0]["changes"][0])
    second = envelope(
        NUMBER_ID,
        {
            "messages": [message("wamid.m3", "ISCRIVIMI", number="393339999999")],
            "statuses": [
                {"id": "wamid.o1", "status": "delivered", "timestamp": "1750030074"},
                {"id": "wamid.o2", "status": "read", "timestamp": "1750030075"},
            ],
        },
    )
    first["entry"].append(second["entry"][0])
    return first


def test_every_message_and_status_of_a_batch_is_stored(webhook, site, received):
    response = webhook.post(batch_payload())
    assert response.status_code == 200
    assert response.json()["messages"] == 3 and response.json()["statuses"] == 3
    assert set(InboundMessage.objects.values_list("wamid", flat=True)) == {"wamid.m1", "wamid.m2", "wamid.m3"}
    webhook_statuses = StatusUpdate.objects.exclude(wamid__startswith="wamid.SANDBOX")  # the welcome's own statuses
    assert set(webhook_statuses.values_list("wamid", "status")) == {
        ("wamid.o1", "sent"),
        ("wamid.o1", "delivered"),
        ("wamid.o2", "read"),
    }
    assert InboundMessage.objects.get(wamid="wamid.m1").profile_name == "Anna"
    assert len(received["message_received"]) == 3
    assert len(received["status_updated"]) == 3 + 3  # and sent, delivered, read of the sandbox welcome
    assert Subscriber.objects.get().phone_number == "+393339999999"  # the ISCRIVIMI of the batch


def test_replayed_post_changes_nothing_and_sends_nothing(webhook, site, received):
    payload = batch_payload()
    webhook.post(payload)
    counts = (InboundMessage.objects.count(), StatusUpdate.objects.count(), SandboxMessage.objects.count())
    signals_before = {name: len(items) for name, items in received.items()}
    outgoing = SandboxMessage.objects.filter(direction="out").count()
    assert outgoing == 1  # the welcome to the ISCRIVIMI

    response = webhook.post(payload)
    assert response.status_code == 200
    assert response.json()["duplicates"] == 6 and response.json()["messages"] == 0
    assert (InboundMessage.objects.count(), StatusUpdate.objects.count(), SandboxMessage.objects.count()) == counts
    assert {name: len(items) for name, items in received.items()} == signals_before


def test_duplicates_inside_one_post_are_stored_once(webhook, site):
    payload = envelope(NUMBER_ID, {"messages": [message("wamid.same"), message("wamid.same")]})
    assert webhook.post(payload).json()["duplicates"] == 1
    assert InboundMessage.objects.count() == 1


def test_meta_sample_image_is_stored_with_media_and_caption(webhook, site):
    assert webhook.post(load_webhook("webhook_incoming_image")).status_code == 200
    stored = InboundMessage.objects.get()
    assert (stored.message_type, stored.text, stored.media_id, stored.media_mime_type) == (
        "image",
        "Taj Mahal",
        "1003383421387256",
        "image/jpeg",
    )
    assert stored.phone_number == "+16505551234"
    assert stored.payload["image"]["sha256"]
    assert stored.keyword_action == ""


@pytest.mark.parametrize(
    "msg,kind,text",
    [
        ({"type": "reaction", "reaction": {"message_id": "wamid.x", "emoji": "👍"}}, "reaction", "👍"),
        (
            {"type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown"}]},
            "unsupported",
            "",
        ),
        (
            {"type": "system", "system": {"body": "User A changed from 39333 to 39334", "type": "user_changed_number"}},
            "system",
            "User A changed from 39333 to 39334",
        ),
        ({"type": "hologram", "hologram": {"depth": 3}}, "hologram", ""),  # a type nobody knows yet
        ({"type": "location", "location": {"latitude": 45.8, "longitude": 10.0, "name": "Municipio"}}, "location", ""),
        ({"type": "button", "button": {"text": "CANCELLAMI", "payload": "stop"}}, "button", "CANCELLAMI"),
    ],
)
def test_other_message_types_are_stored_and_acknowledged(webhook, site, received, msg, kind, text):
    body = {"from": "393331234567", "id": "wamid.t", "timestamp": "1749416383", **msg}
    assert webhook.post(envelope(NUMBER_ID, {"messages": [body]})).status_code == 200
    stored = InboundMessage.objects.get()
    assert stored.message_type == kind
    assert stored.text == text or kind == "location"
    assert received["message_received"][0]["message"].pk == stored.pk
    # Not a keyword (except the quick-reply button): nobody is subscribed, nothing is answered.
    assert not SandboxMessage.objects.filter(direction="out").exists() or kind == "button"


def test_unknown_phone_number_id_is_acknowledged_not_processed(webhook, site, caplog):
    payload = text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id="999999999999999")
    response = webhook.post(payload)
    assert response.status_code == 200
    assert response.json()["unknown_number"] == 1
    assert not InboundMessage.objects.exists() and not Subscriber.objects.exists()
    assert "999999999999999" not in caplog.text  # logged, masked
    assert "unknown phone_number_id" in caplog.text


def test_routing_by_phone_number_id_to_each_town(webhook, site):
    other_home = Page.get_first_root_node().add_child(instance=Page(title="Altro Comune", slug="altro"))
    other = Site.objects.create(hostname="altro.example", port=80, root_page=other_home)
    WhatsAppSettings.objects.create(site=other, phone_number_id="555000111")
    webhook.post(text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id="555000111"))
    webhook.post(text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id=NUMBER_ID))
    assert set(Subscriber.objects.values_list("site__hostname", flat=True)) == {"altro.example", "testserver"}


def test_configured_number_stops_routing_to_default_site_once_a_site_claims_it(webhook, site):
    other_home = Page.get_first_root_node().add_child(instance=Page(title="Altro Comune", slug="altro"))
    other = Site.objects.create(hostname="altro.example", port=80, root_page=other_home)
    WhatsAppSettings.objects.create(site=other, phone_number_id=NUMBER_ID)
    webhook.post(text_message_payload("+393331234567", "ciao", phone_number_id=NUMBER_ID))
    assert InboundMessage.objects.get().site == other


def test_sender_with_user_id_and_no_number(webhook, site):
    payload = text_message_payload(
        "", "ISCRIVIMI", phone_number_id=NUMBER_ID, user_id="US.13491208655302741918", profile_name="Zoe"
    )
    assert "from" not in payload["entry"][0]["changes"][0]["value"]["messages"][0]
    assert webhook.post(payload).status_code == 200
    subscriber = Subscriber.objects.get()
    assert (subscriber.phone_number, subscriber.wa_user_id, subscriber.status) == (
        "",
        "US.13491208655302741918",
        "active",
    )
    welcome = SandboxMessage.objects.get(direction="out")
    assert welcome.recipient == "US.13491208655302741918"


def test_user_preferences_stop_and_resume_are_recorded(webhook, site):
    webhook.post(text_message_payload("+16505551234", "ISCRIVIMI", phone_number_id=NUMBER_ID))
    stop = load_webhook("webhook_user_preferences_resume")
    stop["entry"][0]["changes"][0]["value"]["user_preferences"][0].update(value="stop", timestamp=1731705721)
    webhook.post(stop)
    assert Subscriber.objects.get().marketing_stopped is True
    resume = load_webhook("webhook_user_preferences_resume")
    resume["entry"][0]["changes"][0]["value"]["user_preferences"][0]["timestamp"] = 1731705800
    webhook.post(resume)
    assert Subscriber.objects.get().marketing_stopped is False
    webhook.post(stop)  # an older "stop" arriving late changes nothing
    assert Subscriber.objects.get().marketing_stopped is False


def test_unhandled_fields_and_value_errors_go_out_as_change_received(webhook, site, received):
    template_update = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "message_template_status_update",
                        "value": {"event": "APPROVED", "message_template_name": "notizia_comune"},
                    }
                ],
            }
        ],
    }
    assert webhook.post(template_update).status_code == 200
    assert webhook.post(load_webhook("webhook_value_errors_130429")).status_code == 200
    fields = [(item["field"], item["site"]) for item in received["change_received"]]
    assert fields == [("message_template_status_update", None), ("errors", site)]
    assert received["change_received"][0]["value"]["message_template_name"] == "notizia_comune"
    assert received["change_received"][1]["value"]["code"] == 130429


@override_settings(
    WAGTAIL_WHATSAPP={
        "BACKEND": "sandbox",
        "APP_SECRET": "test-app-secret",
        "PHONE_NUMBER_ID": NUMBER_ID,
        "STORE_PROFILE_NAMES": False,
    }
)
def test_profile_names_are_not_stored_when_switched_off(webhook, site):
    webhook.post(text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id=NUMBER_ID, profile_name="Anna"))
    assert InboundMessage.objects.get().profile_name == ""
    assert Subscriber.objects.get().profile_name == ""


def test_a_bad_element_is_skipped_and_its_neighbours_processed(webhook, site):
    payload = envelope(
        NUMBER_ID,
        {"messages": [message("wamid.ok"), {"id": 5, "type": ["text"]}, "junk", message("wamid.ok2", text=None)]},
    )
    response = webhook.post(payload)
    assert response.status_code == 200
    assert response.json()["skipped"] == 2
    assert set(InboundMessage.objects.values_list("wamid", flat=True)) == {"wamid.ok", "wamid.ok2"}


def test_events_whose_task_was_lost_are_picked_up_later(site, monkeypatch):
    import datetime

    from wagtail_whatsapp.inbound import ingest, tasks

    monkeypatch.setattr(ingest.tasks, "process_inbound_messages", lambda pks: None)  # the queue lost the task
    ingest.ingest_payload(text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id=NUMBER_ID))
    assert not Subscriber.objects.exists()
    InboundMessage.objects.update(received_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    tasks.process_stale_events.call_local()
    assert Subscriber.objects.get().status == "active"
    tasks.process_stale_events.call_local()  # nothing left: no second welcome
    assert SandboxMessage.objects.filter(direction="out").count() == 1
