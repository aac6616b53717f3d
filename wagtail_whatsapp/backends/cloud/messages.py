"""The Cloud API backend's messages: text, media, reply buttons, lists and templates sent to one citizen
(``POST /<phone-number-id>/messages``), and a received message marked as read."""

import logging

from wagtail_whatsapp.backends import errors
from wagtail_whatsapp.backends.base import SendResult, TemplateParameters, WhatsAppError
from wagtail_whatsapp.backends.cloud.graph import GraphClient
from wagtail_whatsapp.backends.interactive import list_message, reply_buttons
from wagtail_whatsapp.backends.template_components import media_object, template_components
from wagtail_whatsapp.numbers import mask_number

logger = logging.getLogger(__name__)

MEDIA_TYPES = ("image", "video", "document")


class CloudMessages(GraphClient):
    def send_text(self, to, body, *, preview_url=False, callback_data=""):
        return self._send(to, "text", {"body": body, "preview_url": bool(preview_url)}, callback_data)

    def send_media(self, to, media_type, media_id, *, caption="", filename="", callback_data=""):
        if media_type not in MEDIA_TYPES:
            raise ValueError(f"media_type must be one of {MEDIA_TYPES}, not {media_type!r}")
        media = media_object(media_id, filename=filename if media_type == "document" else "")
        if caption:
            media["caption"] = caption
        return self._send(to, media_type, media, callback_data)

    def send_buttons(self, to, body, buttons, *, footer="", callback_data=""):
        return self._send(to, "interactive", reply_buttons(body, buttons, footer), callback_data)

    def send_list(self, to, body, button, sections, *, footer="", callback_data=""):
        return self._send(to, "interactive", list_message(body, button, sections, footer), callback_data)

    def send_template(self, to, name, language, components=(), *, callback_data=""):
        if isinstance(components, TemplateParameters):
            components = template_components(components)
        template = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = list(components)
        return self._send(to, "template", template, callback_data)

    def mark_as_read(self, wamid):
        payload = {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
        answer = self._request("POST", self._url(self.phone_number_id, "messages"), json=payload)
        return bool(answer.get("success", True))

    def _send(self, to, message_type, content, callback_data):
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": message_type,
            message_type: content,
        }
        if callback_data:
            payload["biz_opaque_callback_data"] = callback_data
        try:
            answer = self._request("POST", self._url(self.phone_number_id, "messages"), json=payload)
        except WhatsAppError as exc:
            logger.info("WhatsApp %s to %s failed: %r", message_type, mask_number(to), exc)
            raise
        messages = answer.get("messages")
        first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
        wamid = first.get("id")
        if not isinstance(wamid, str) or not wamid:
            raise errors.invalid_answer("The Graph API accepted the request but returned no message id.")
        contacts = answer.get("contacts")
        contact = contacts[0] if isinstance(contacts, list) and contacts and isinstance(contacts[0], dict) else {}
        if logger.isEnabledFor(logging.DEBUG):  # masking a number costs an eighth of a send's CPU: only when logged
            logger.debug("WhatsApp %s to %s accepted: %s", message_type, mask_number(to), wamid)
        return SendResult(
            wamid=wamid, wa_id=str(contact.get("wa_id") or ""), message_status=str(first.get("message_status") or "")
        )
