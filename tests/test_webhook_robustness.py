"""A valid webhook is always acknowledged, and one bad element never costs the others (issue 13, points 8-10):
kinds the plugin does not handle, text the database refuses, payloads nested beyond reason."""

import json

import pytest
from django.urls import reverse

from tests.signing import load_webhook
from wagtail_whatsapp.inbound import ingest
from wagtail_whatsapp.inbound.payload_bounds import DEPTH_MARKER, MAX_DEPTH, MAX_STRING, storable
from wagtail_whatsapp.models import InboundMessage, StatusUpdate, Subscriber
from wagtail_whatsapp.sandbox.simulate import envelope, text_message_payload

NUMBER_ID = "106540352242922"
INBOX = "wagtail_whatsapp_inboundmessage_modeladmin_index"


def _message(wamid, text, number="393331234567"):
    return {"from": number, "id": wamid, "timestamp": "1749416383", "type": "text", "text": {"body": text}}


# --- 8. A well-formed envelope of a kind the plugin does not handle: 200, never 400 -------------------------------
def test_a_user_preference_value_the_plugin_does_not_know_is_acknowledged(webhook, site):
    response = webhook.post(load_webhook("webhook_user_preferences_new_value"))
    assert response.status_code == 200
    assert response.json()["skipped"] == 1


def test_unknown_message_types_fields_and_keys_are_acknowledged_and_stored(webhook, site):
    response = webhook.post(load_webhook("webhook_unknown_kinds"))
    assert response.status_code == 200
    stored = InboundMessage.objects.get()
    assert stored.message_type == "order"
    assert stored.payload["new_message_key"] == {"nested": ["ok"]}


@pytest.mark.parametrize(
    "change",
    [
        {"field": "messages", "value": {"metadata": {"phone_number_id": NUMBER_ID}, "messages": "soon a list"}},
        {"field": "messages", "value": {"messaging_product": "whatsapp"}},
        {"field": "user_preferences", "value": {"metadata": {"phone_number_id": NUMBER_ID}, "user_preferences": [{}]}},
        {"field": "a_field_meta_adds_next_year", "value": {"anything": [1, {"a": None}]}},
        {"field": "messages", "value": "a value that is not an object"},
        {"some_other_shape": True},
    ],
)
def test_any_change_inside_a_well_formed_envelope_is_acknowledged(webhook, site, change):
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
    assert webhook.post(payload).status_code == 200


def test_an_entry_of_a_new_shape_is_acknowledged(webhook, site):
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "time": 1, "messaging": [{}]}]}
    assert webhook.post(payload).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"object": "page", "entry": []},
        {"entry": [{"changes": []}]},
        {"object": "whatsapp_business_account", "entry": {"changes": []}},
        {"object": "whatsapp_business_account"},
    ],
)
def test_bodies_that_are_not_metas_envelope_still_get_400(webhook, site, body):
    assert webhook.post(body).status_code == 400


# --- 9. Text the database refuses is cleaned; a bad element never costs the others ------------------------------------
def test_a_profile_name_cut_mid_emoji_does_not_lose_the_batch(webhook, webhook_site_settings, test_backend):
    payload = text_message_payload("+393331234567", "ISCRIVIMI", phone_number_id=NUMBER_ID, profile_name="Anna ")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"].append({"profile": {"name": "Mario \ud83d"}, "wa_id": "393339999999"})
    value["messages"].append(_message("wamid.broken", "ciao \udc00 a tutti", number="393339999999"))
    body = json.dumps(payload, ensure_ascii=True).encode()
    assert b"\\ud83d" in body  # a lone surrogate, as JSON carries it

    response = webhook.post_raw(body)

    assert response.status_code == 200
    assert Subscriber.objects.filter(phone_number="+393331234567", status="active").exists()
    assert [m["to"] for m in test_backend.sent] == ["393331234567"]
    broken = InboundMessage.objects.get(wamid="wamid.broken")
    assert broken.profile_name == "Mario \ufffd" and broken.text == "ciao \ufffd a tutti"


def test_nul_characters_are_dropped_from_every_stored_string(webhook, site):
    payload = envelope(
        NUMBER_ID,
        {
            "contacts": [{"profile": {"name": "Ma\u0000rio"}, "wa_id": "393331234567"}],
            "messages": [{**_message("wamid.nul\u0000", "buon\u0000giorno"), "extra\u0000key": ["a\u0000"]}],
            "statuses": [{"id": "wamid.out\u0000", "status": "sent", "timestamp": "1750030073", "x": "\u0000"}],
        },
    )
    assert webhook.post(payload).status_code == 200
    message = InboundMessage.objects.get()
    assert (message.wamid, message.text, message.profile_name) == ("wamid.nul", "buongiorno", "Mario")
    assert message.payload["extrakey"] == ["a"]
    assert StatusUpdate.objects.get().payload["x"] == ""


@pytest.mark.parametrize("code", [2**31, 2**70])
def test_an_error_code_no_integer_column_holds_is_not_stored_as_one(webhook, site, code):
    failed = {"id": "wamid.out1", "status": "failed", "timestamp": "1750030073", "errors": [{"code": code}]}
    other = {"id": "wamid.out2", "status": "sent", "timestamp": "1750030073"}
    assert webhook.post(envelope(NUMBER_ID, {"statuses": [failed, other]})).status_code == 200
    assert StatusUpdate.objects.get(wamid="wamid.out1").error_code is None
    assert StatusUpdate.objects.count() == 2


def test_a_row_the_database_refuses_does_not_cost_its_neighbours(webhook, webhook_site_settings, monkeypatch):
    """Whatever a database refuses beyond what cleaning knows of, the other messages of the POST are stored."""
    from django.db import DataError

    from wagtail_whatsapp.models import InboundMessage as Model

    real_save = Model.save

    def refuse_one(self, *args, **kwargs):
        if self.wamid == "wamid.refused":
            raise DataError("value too long for the column")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Model, "save", refuse_one)
    monkeypatch.setattr(ingest, "insert_rows", lambda *a, **k: (_ for _ in ()).throw(DataError("batch")))
    payload = envelope(NUMBER_ID, {"messages": [_message("wamid.refused", "x"), _message("wamid.fine", "ISCRIVIMI")]})

    response = webhook.post(payload)

    assert response.status_code == 200
    assert list(Model.objects.values_list("wamid", flat=True)) == ["wamid.fine"]
    assert response.json()["skipped"] == 1


# --- 10. What is stored is bounded: the inbox keeps working ----------------------------------------------------------
def _deep(levels):
    node = "fondo"
    for _ in range(levels):
        node = {"a": [node]}
    return node


def test_a_deeply_nested_value_is_bounded_and_the_inbox_keeps_working(webhook, site, client, admin_user):
    deep = {**_message("wamid.deep", "ciao"), "context": _deep(450)}
    assert webhook.post(envelope(NUMBER_ID, {"messages": [deep]})).status_code == 200
    stored = InboundMessage.objects.get(wamid="wamid.deep")
    assert DEPTH_MARKER in json.dumps(stored.payload)

    client.force_login(admin_user)
    assert client.get(reverse(INBOX)).status_code == 200
    assert client.get(reverse("wagtail_whatsapp_admin:inbox_detail", args=[stored.pk])).status_code == 200


def test_a_huge_string_inside_a_payload_is_cut(webhook, site):
    big = {**_message("wamid.big", "ciao"), "note": "x" * (MAX_STRING * 3)}
    assert webhook.post(envelope(NUMBER_ID, {"messages": [big]})).status_code == 200
    note = InboundMessage.objects.get().payload["note"]
    assert len(note) <= MAX_STRING + 40 and note.startswith("xxx")


def test_storable_bounds_depth_keys_and_text_the_same_way_on_every_database():
    cleaned = storable({"k\u0000": ["\ud83d", float("nan"), 2**70], 7: 1.5, "deep": _deep(MAX_DEPTH + 5)})
    assert cleaned["k"] == ["\ufffd", None, 2**70]
    assert cleaned["7"] == 1.5
    depth, node = 1, cleaned["deep"]
    while isinstance(node, dict | list):
        node = node[0] if isinstance(node, list) else node["a"]
        depth += 1
    assert depth == MAX_DEPTH and node == DEPTH_MARKER


def test_a_stored_row_without_a_required_value_is_refused_not_dropped(db):
    """SQLite's INSERT OR IGNORE drops a row that breaks NOT NULL without a word: the insert refuses it first."""
    from wagtail_whatsapp.inbound.row_inserts import insert_rows

    with pytest.raises(ValueError, match="timestamp"):
        insert_rows(StatusUpdate, [{"wamid": "wamid.a", "status": "sent"}])
    assert not StatusUpdate.objects.exists()
