"""Play Meta: build Meta-shaped webhook payloads, sign them, and deliver them through the real webhook view.

Shared by the ``whatsapp_simulate_inbound`` command, the sandbox chat page, the sandbox backend's status feed and the
tests, so that all of them exercise exactly what a real webhook would.
"""

import io
import json
import time
import uuid

from django.core.handlers.wsgi import WSGIRequest
from django.urls import reverse

from wagtail_whatsapp import conf
from wagtail_whatsapp.inbound.webhook import SIGNATURE_HEADER, compute_signature, webhook
from wagtail_whatsapp.models import SandboxMessage, WhatsAppSettings
from wagtail_whatsapp.numbers import normalise_number

WABA_ID_FALLBACK = "0"


def new_wamid():
    """A made-up but Meta-looking message id (unique)."""
    return "wamid.SANDBOX" + uuid.uuid4().hex.upper()


def envelope(phone_number_id, value_fields, *, field="messages", display_phone_number=""):
    """One entry, one change: the envelope every WhatsApp webhook comes in."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id},
        **value_fields,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": conf.get("WABA_ID") or WABA_ID_FALLBACK, "changes": [{"value": value, "field": field}]}],
    }


def text_message_payload(
    number,
    text,
    *,
    phone_number_id,
    profile_name="",
    user_id="",
    wamid=None,
    timestamp=None,
    display_phone_number="",
    image=None,
):
    """A citizen's text message, as Meta sends it. ``number`` may be empty when only ``user_id`` is known.

    With ``image`` (``{"id", "mime_type"}``) it is an image message instead, ``text`` its caption."""
    wa_id = normalise_number(number).lstrip("+") if number else ""
    contact = {"profile": {"name": profile_name}} if profile_name else {}
    message = {
        "id": wamid or new_wamid(),
        "timestamp": str(int(timestamp if timestamp is not None else time.time())),
        "type": "image" if image else "text",
    }
    if image:
        message["image"] = {**image, **({"caption": text} if text else {})}
    else:
        message["text"] = {"body": text}
    if wa_id:
        contact["wa_id"] = wa_id
        message["from"] = wa_id
    if user_id:
        contact["user_id"] = user_id
        message["from_user_id"] = user_id
    order = ("from", "from_user_id", "id", "timestamp", "type", "text", "image")  # Meta's own key order
    message = {key: message[key] for key in order if key in message}
    return envelope(
        phone_number_id, {"contacts": [contact], "messages": [message]}, display_phone_number=display_phone_number
    )


def button_reply_payload(
    number, button_id, title, *, phone_number_id, context_wamid="", wamid=None, timestamp=None, kind="button_reply"
):
    """A citizen's tap on a reply button of ``context_wamid``, as Meta sends it: type ``interactive``, a
    ``button_reply`` with the button's id and title (``kind="list_reply"``: a row picked in a list message)."""
    payload = text_message_payload(number, "", phone_number_id=phone_number_id, wamid=wamid, timestamp=timestamp)
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"] = "interactive"
    message["interactive"] = {"type": kind, kind: {"id": button_id, "title": title}}
    if context_wamid:
        message["context"] = {"id": context_wamid}
    return payload


def status_payload(phone_number_id, statuses):
    """Status updates for sent messages; each item is a dict with at least id, status, recipient_id."""
    now = str(int(time.time()))
    items = [{"timestamp": now, **status} for status in statuses]
    return envelope(phone_number_id, {"statuses": items})


def serialise(payload):
    """The bytes Meta would send: compact JSON with non-ASCII escaped (the signature is over these exact bytes)."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()


def signed_request(body, secret=None):
    """A POST to the webhook URL carrying ``body`` signed with ``secret`` (default: the first app secret)."""
    secrets = conf.app_secrets()
    secret = secret if secret is not None else (secrets[0] if secrets else "")
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": reverse("wagtail_whatsapp:webhook"),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
    }
    if secret:
        environ[SIGNATURE_HEADER] = compute_signature(body, secret)
    return WSGIRequest(environ)


def deliver(payload, secret=None):
    """Sign ``payload`` and hand it to the real webhook view; returns the view's response."""
    return webhook(signed_request(serialise(payload), secret))


def phone_number_id_for_site(site=None):
    """The phone_number_id a site's webhooks carry: its WhatsApp settings', else the configured default."""
    if site is not None:
        return WhatsAppSettings.for_site(site).sending_number_id
    return conf.default_phone_number_id()


def simulate_inbound_text(number, text, *, site=None, profile_name="", user_id="", image=None):
    """Play a citizen writing ``text`` (or sending an ``image``, see text_message_payload) to the site's number.
    Returns (response, wamid, E.164 number or "")."""
    phone_number_id = phone_number_id_for_site(site)
    e164 = normalise_number(number) if number else ""
    wamid = new_wamid()
    payload = text_message_payload(
        e164,
        text,
        phone_number_id=phone_number_id,
        profile_name=profile_name,
        user_id=user_id,
        wamid=wamid,
        image=image,
    )
    return _play(payload, phone_number_id, e164 or user_id), wamid, e164


def simulate_button_reply(question, button_id, title):
    """Play the citizen tapping a reply button (or a row of the list) of ``question`` (an outgoing interactive
    ``SandboxMessage``). Returns the webhook view's response."""
    interactive = question.body.get("interactive") if isinstance(question.body, dict) else None
    is_list = isinstance(interactive, dict) and interactive.get("type") == "list"
    payload = button_reply_payload(
        question.recipient,
        button_id,
        title,
        phone_number_id=question.phone_number_id,
        context_wamid=question.wamid,
        kind="list_reply" if is_list else "button_reply",
    )
    return _play(payload, question.phone_number_id, question.recipient)


def _play(payload, phone_number_id, recipient):
    """Keep the citizen's side of ``payload`` in the sandbox, then deliver it; returns the webhook view's response."""
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    # Written before delivering: with an immediate queue the welcome is stored during deliver(), and the chat
    # must show the citizen's message first.
    incoming = SandboxMessage.objects.create(
        direction=SandboxMessage.Direction.INCOMING,
        phone_number_id=phone_number_id,
        recipient=recipient,
        wamid=message["id"],
        message_type=message["type"],
        body=message,
        status="received",
    )
    response = deliver(payload)
    if response.status_code != 200:
        incoming.delete()
    return response
