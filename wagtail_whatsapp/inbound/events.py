"""Normalise a webhook payload into typed events.

Meta's envelope is ``object → entry[] → changes[] → value``; one POST may carry many messages, statuses and errors.
Anything from outside may be type-confused (a number where a string should be, a list where an object should be): a
body that is not Meta's envelope raises ``PayloadError`` with a reason (the view answers 400); inside the envelope, an
element the plugin does not understand is skipped with a reason, so its good neighbours are still processed and the
POST is acknowledged. Nothing here touches the database. Reading single values
(strings, timestamps, error objects, each message type's content) is in event_values.py.
"""

import datetime
from dataclasses import dataclass, field

from wagtail_whatsapp.inbound.event_values import as_dict as _dict
from wagtail_whatsapp.inbound.event_values import as_list as _list
from wagtail_whatsapp.inbound.event_values import error_code as _error_code
from wagtail_whatsapp.inbound.event_values import message_content as _message_content
from wagtail_whatsapp.inbound.event_values import parse_timestamp
from wagtail_whatsapp.inbound.event_values import text as _str
from wagtail_whatsapp.numbers import try_normalise_number

OBJECT = "whatsapp_business_account"


class PayloadError(ValueError):
    """The payload is not a WhatsApp webhook at all; ``reason`` is safe to show to the caller."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InboundMessage:
    phone_number_id: str
    wamid: str
    message_type: str
    timestamp: datetime.datetime
    phone_number: str = ""  # E.164, empty when Meta withholds it (usernames)
    user_id: str = ""  # business-scoped user id
    profile_name: str = ""
    text: str = ""
    media_id: str = ""
    media_mime_type: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    phone_number_id: str
    wamid: str
    status: str
    timestamp: datetime.datetime
    recipient_id: str = ""
    callback_data: str = ""
    error_code: int | None = None
    error_title: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PreferenceChange:
    """``user_preferences``: the citizen stopped or resumed marketing messages in WhatsApp itself."""

    phone_number_id: str
    value: str  # "stop" or "resume"
    timestamp: datetime.datetime
    phone_number: str = ""
    user_id: str = ""
    category: str = ""


@dataclass(frozen=True)
class WebhookError:
    """``value.errors[]``: an error not tied to one message (e.g. 130429 for the whole number)."""

    phone_number_id: str
    code: int | None
    title: str = ""
    details: str = ""


@dataclass(frozen=True)
class ChangeReceived:
    """A change whose field the plugin does not handle itself (template updates...): passed on as a signal."""

    field: str
    value: dict
    phone_number_id: str = ""
    waba_id: str = ""


@dataclass
class ParsedPayload:
    events: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # one reason per element that was not understood


def _contacts_by_id(value):
    """wa_id / user_id → (phone_number, user_id, profile_name) from ``value.contacts``."""
    contacts = {}
    for contact in _list(value.get("contacts")):
        contact = _dict(contact)
        wa_id, user_id = _str(contact.get("wa_id"), 32), _str(contact.get("user_id"), 128)
        profile_name = _str(_dict(contact.get("profile")).get("name"))
        identity = (try_normalise_number(wa_id) if wa_id else "", user_id, profile_name)
        for key in (wa_id, user_id):
            if key:
                contacts[key] = identity
    return contacts


def _parse_message(message, phone_number_id, contacts):
    message = _dict(message)
    wamid, message_type = _str(message.get("id"), 256), _str(message.get("type"), 32)
    if not wamid:
        return None, "message without an id"
    if not message_type:
        return None, f"message {wamid} without a type"
    timestamp = parse_timestamp(message.get("timestamp"))
    if timestamp is None:
        return None, f"message {wamid} without a valid timestamp"
    sender = _str(message.get("from"), 32)
    user_id = _str(message.get("from_user_id"), 128)
    contact_number, contact_user_id, profile_name = contacts.get(sender) or contacts.get(user_id) or ("", "", "")
    phone_number = (try_normalise_number(sender) if sender else "") or contact_number
    user_id = user_id or contact_user_id
    text, media_id, mime_type = _message_content(message, message_type)
    return (
        InboundMessage(
            phone_number_id=phone_number_id,
            wamid=wamid,
            message_type=message_type,
            timestamp=timestamp,
            phone_number=phone_number,
            user_id=user_id,
            profile_name=profile_name[:256],
            text=text,
            media_id=media_id,
            media_mime_type=mime_type,
            raw=message,
        ),
        None,
    )


def _parse_status(status, phone_number_id):
    status = _dict(status)
    wamid, value = _str(status.get("id"), 256), _str(status.get("status"), 16)
    if not wamid or not value:
        return None, "status without an id or a status"
    timestamp = parse_timestamp(status.get("timestamp"))
    if timestamp is None:
        return None, f"status {value} of {wamid} without a valid timestamp"
    code, title, _details = _error_code(status.get("errors"))
    recipient = _str(status.get("recipient_id"), 128) or _str(status.get("recipient_user_id"), 128)
    return (
        StatusUpdate(
            phone_number_id=phone_number_id,
            wamid=wamid,
            status=value.lower(),
            timestamp=timestamp,
            recipient_id=recipient,
            callback_data=_str(status.get("biz_opaque_callback_data"), 512),
            error_code=code,
            error_title=title,
            raw=status,
        ),
        None,
    )


def _parse_preference(preference, phone_number_id):
    preference = _dict(preference)
    value = _str(preference.get("value")).lower()
    wa_id, user_id = _str(preference.get("wa_id"), 32), _str(preference.get("user_id"), 128)
    timestamp = parse_timestamp(preference.get("timestamp"))
    if not (wa_id or user_id) or timestamp is None:
        return None, "user preference without user or timestamp"
    if value not in ("stop", "resume"):
        return None, f"user preference {value[:32]!r} not handled"
    return (
        PreferenceChange(
            phone_number_id=phone_number_id,
            value=value,
            timestamp=timestamp,
            phone_number=try_normalise_number(wa_id) if wa_id else "",
            user_id=user_id,
            category=_str(preference.get("category"), 64),
        ),
        None,
    )


def _collect(parsed, event, reason):
    if event is not None:
        parsed.events.append(event)
    else:
        parsed.skipped.append(reason)


def _parse_messages_value(value, phone_number_id, parsed):
    contacts = _contacts_by_id(value)
    for key, parse in (("messages", _parse_message), ("statuses", _parse_status)):
        items = value.get(key)
        if items is not None and not isinstance(items, list):
            parsed.skipped.append(f"{key} is not a list")
            continue
        for item in _list(items):
            args = (item, phone_number_id, contacts) if key == "messages" else (item, phone_number_id)
            event, reason = parse(*args)
            _collect(parsed, event, reason)
    for error in _list(value.get("errors")):
        code, title, details = _error_code([error])
        parsed.events.append(WebhookError(phone_number_id=phone_number_id, code=code, title=title, details=details))


def _parse_change(change, waba_id, parsed):
    change = _dict(change)
    field_name, value = _str(change.get("field"), 128), change.get("value")
    if not field_name or not isinstance(value, dict):
        parsed.skipped.append("change without a field or a value object")
        return
    phone_number_id = _str(_dict(value.get("metadata")).get("phone_number_id"), 64)
    if field_name in ("messages", "user_preferences") and not phone_number_id:
        parsed.skipped.append(f"{field_name} change without metadata.phone_number_id")
        return
    if field_name == "messages":
        _parse_messages_value(value, phone_number_id, parsed)
    elif field_name == "user_preferences":
        for preference in _list(value.get("user_preferences")):
            event, reason = _parse_preference(preference, phone_number_id)
            _collect(parsed, event, reason)
    else:
        parsed.events.append(
            ChangeReceived(field=field_name, value=value, phone_number_id=phone_number_id, waba_id=waba_id)
        )


def parse_payload(payload):
    """Every event of one webhook POST, in order. Raises ``PayloadError`` only when the body is not Meta's envelope
    (``object``, then ``entry``: a list of objects). Inside a right envelope nothing raises: what the plugin does not
    know (a new field, a new preference value, a new entry shape) is skipped with a reason and acknowledged, since
    Meta retries anything but a 200 for days and may switch the webhook off."""
    if not isinstance(payload, dict):
        raise PayloadError("the body is not a JSON object")
    if payload.get("object") != OBJECT:
        raise PayloadError(f"'object' is not '{OBJECT}'")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("'entry' is not a list")
    if not all(isinstance(entry, dict) for entry in entries):
        raise PayloadError("'entry' holds something that is not an object")
    parsed = ParsedPayload()
    for entry in entries:
        changes = entry.get("changes")
        if not isinstance(changes, list):
            parsed.skipped.append("entry without a 'changes' list")
            continue
        waba_id = _str(entry.get("id"), 64)
        for change in changes:
            _parse_change(change, waba_id, parsed)
    return parsed
