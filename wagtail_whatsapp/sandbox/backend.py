"""Offline backend: messages are kept in the database and statuses are fed back as if Meta had sent them.

Every send stores a ``SandboxMessage`` with a generated wamid, then a Huey task feeds ``sent``, ``delivered`` and
``read`` back through ``ingest_payload`` (Meta-shaped, with the callback data echoed), so deliveries, reports and
signals move exactly as they would with the cloud backend. Never touches the network. Uploaded media is kept and
given back by ``download_media``; other media ids get a placeholder PNG (sandbox/media.py).
"""

import logging
import uuid
from dataclasses import replace

from huey.contrib.djhuey import db_task

from wagtail_whatsapp.backends.base import (
    BaseBackend,
    BlockResult,
    ErrorKind,
    PhoneNumberInfo,
    SendResult,
    TemplateInfo,
    TemplateParameters,
    WhatsAppError,
)
from wagtail_whatsapp.backends.interactive import list_message, list_problem_of, problem_of, reply_buttons
from wagtail_whatsapp.backends.template_components import template_components
from wagtail_whatsapp.inbound.ingest import ingest_payload
from wagtail_whatsapp.models import MessageTemplate, SandboxMessage, WhatsAppSettings
from wagtail_whatsapp.numbers import try_normalise_number
from wagtail_whatsapp.outbound.recommended_family import recommended_family
from wagtail_whatsapp.sandbox.media import keep_upload, kept_upload, placeholder_png
from wagtail_whatsapp.sandbox.simulate import new_wamid, status_payload

logger = logging.getLogger(__name__)

MAX_TEXT, MAX_CAPTION = 4096, 1024
SANDBOX_TEMPLATE_NAME = "notizia_comune"
SANDBOX_HEADER_HANDLES = {"IMAGE": "sandbox-image", "VIDEO": "sandbox-video", "DOCUMENT": "sandbox-document"}


def _bad_parameter(message):
    # Meta's answer to a malformed request: #100, permanent for this message.
    return WhatsAppError(message, kind=ErrorKind.RECIPIENT, code=100, http_status=400)


def sandbox_template(base_url="https://www.comune.example"):
    """The one approved template of the sandbox: a news item with image, title, summary and a link button."""
    return TemplateInfo(
        name=SANDBOX_TEMPLATE_NAME,
        language="it",
        status="APPROVED",
        category="MARKETING",
        template_id="sandbox-notizia-comune",
        parameter_format="NAMED",
        components=[
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["sandbox-image"]}},
            {
                "type": "BODY",
                "text": "*{{titolo}}*\n\n{{sommario}}",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "titolo", "example": "Chiusura di via Roma"},
                        {"param_name": "sommario", "example": "Lavori in corso da lunedì a venerdì."},
                    ]
                },
            },
            {"type": "FOOTER", "text": "Per cancellarti scrivi CANCELLAMI"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {
                        "type": "URL",
                        "text": "Leggi sul sito",
                        "url": base_url.rstrip("/") + "/{{1}}",
                        "example": [base_url.rstrip("/") + "/notizie/chiusura-via-roma/"],
                    }
                ],
            },
        ],
    )


class SandboxBackend(BaseBackend):
    def _recipient(self, to):
        if not isinstance(to, str) or not to.strip():
            raise _bad_parameter("Recipient is missing.")
        # Numbers are kept in E.164 so that a conversation groups the citizen's and the town's messages;
        # business-scoped user ids (no number) are kept as given.
        return try_normalise_number(to) or to.strip()

    def _store(self, to, message_type, content, callback_data="", message_status=""):
        recipient = self._recipient(to)
        wamid = new_wamid()
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": recipient.lstrip("+"),
            "type": message_type,
            message_type: content,
        }
        if callback_data:
            body["biz_opaque_callback_data"] = callback_data
        stored = SandboxMessage.objects.create(
            direction=SandboxMessage.Direction.OUTGOING,
            phone_number_id=self.phone_number_id or "",
            recipient=recipient,
            wamid=wamid,
            message_type=message_type,
            body=body,
            callback_data=callback_data or "",
            status="accepted",
        )
        feed_sandbox_statuses(stored.pk, _pricing(body))
        return SendResult(wamid=wamid, wa_id=recipient.lstrip("+"), message_status=message_status)

    def send_text(self, to, body, *, preview_url=False, callback_data=""):
        if not isinstance(body, str) or not body.strip():
            raise _bad_parameter("Text body is empty.")
        if len(body) > MAX_TEXT:
            raise _bad_parameter(f"Text body is longer than {MAX_TEXT} characters.")
        return self._store(to, "text", {"body": body, "preview_url": bool(preview_url)}, callback_data)

    def send_media(self, to, media_type, media_id, *, caption="", filename="", callback_data=""):
        if media_type not in ("image", "video", "document"):
            raise _bad_parameter(f"Unsupported media type {media_type!r}.")
        if not media_id:
            raise _bad_parameter("Media id is missing.")
        if len(caption or "") > MAX_CAPTION:
            raise _bad_parameter(f"Caption is longer than {MAX_CAPTION} characters.")
        content = {"id": str(media_id)}
        if filename and media_type == "document":
            content["filename"] = str(filename)
        if caption:
            content["caption"] = caption
        return self._store(to, media_type, content, callback_data)

    def send_buttons(self, to, body, buttons, *, footer="", callback_data=""):
        problem = problem_of(body, buttons, footer)
        if problem:
            raise _bad_parameter(problem)
        return self._store(to, "interactive", reply_buttons(body, buttons, footer), callback_data)

    def send_list(self, to, body, button, sections, *, footer="", callback_data=""):
        problem = list_problem_of(body, button, sections, footer)
        if problem:
            raise _bad_parameter(problem)
        return self._store(to, "interactive", list_message(body, button, sections, footer), callback_data)

    def send_template(self, to, name, language, components=(), *, callback_data=""):
        if not name or not language:
            raise _bad_parameter("Template name and language are required.")
        if isinstance(components, TemplateParameters):
            # The outbox keeps what Meta would have received.
            components = template_components(components)
        content = {"name": name, "language": {"code": language}, "components": list(components or [])}
        return self._store(to, "template", content, callback_data, message_status="accepted")

    def upload_media(self, content, mime_type, filename="upload"):
        if not content:
            raise _bad_parameter("Media file is empty.")
        media_id = str(uuid.uuid4().int)[:16]
        keep_upload(media_id, content, mime_type)
        return media_id

    def download_media(self, media_id):
        """What was uploaded through the sandbox under this id; otherwise (a simulated citizen's media: nothing real
        was sent) a placeholder PNG, so that the moderation inbox works offline."""
        if not isinstance(media_id, str) or not media_id.strip():
            raise _bad_parameter("Media id is missing.")
        return kept_upload(media_id.strip()) or (placeholder_png(media_id.strip()), "image/png")

    def mark_as_read(self, wamid):
        SandboxMessage.objects.filter(wamid=wamid, direction=SandboxMessage.Direction.INCOMING).update(status="read")
        return True

    def block_users(self, users):
        return BlockResult(added=list(users))

    def unblock_users(self, users):
        return BlockResult(added=list(users))

    def list_templates(self, waba_id):
        """The first sandbox template, and the whole recommended family, approved."""
        from wagtail.models import Site

        site = Site.objects.filter(is_default_site=True).first()
        base_url = site.root_url if site else "https://www.comune.example"
        family = [
            replace(template, status="APPROVED", template_id=f"sandbox-{template.name}")
            for template in recommended_family(base_url, header_handles=SANDBOX_HEADER_HANDLES)
        ]
        return [sandbox_template(base_url), *family]

    def create_template(self, waba_id, template):
        """The sandbox approves at once (Meta takes minutes to days)."""
        return replace(template, status="APPROVED", template_id=f"sandbox-{template.name}")

    def upload_template_example(self, content, mime_type, filename="example"):
        if not content:
            raise _bad_parameter("Example file is empty.")
        return f"sandbox-example-{mime_type.split('/')[-1]}"

    def get_phone_number_info(self):
        settings = WhatsAppSettings.objects.filter(phone_number_id=self.phone_number_id).first()
        display = settings.display_number if settings and settings.display_number else "+39 000 000 0000"
        raw = {
            "id": self.phone_number_id,
            "display_phone_number": display,
            "throughput": {"level": "STANDARD"},
            "whatsapp_business_manager_messaging_limit": "TIER_250",
        }
        return PhoneNumberInfo(
            phone_number_id=self.phone_number_id or "",
            throughput_level="STANDARD",
            messaging_limit_tier="TIER_250",
            display_phone_number=display,
            raw=raw,
        )


def _pricing(body):
    """The ``pricing`` object Meta would put in the message's statuses: a template is billed by its category (as
    synced), a free-form message inside the 24-hour window is free."""
    if body["type"] != "template":
        return {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}
    template = body["template"]
    category = (
        MessageTemplate.objects.filter(name=template["name"], language=template["language"]["code"])
        .values_list("category", flat=True)
        .first()
    )
    return {"billable": True, "pricing_model": "PMP", "type": "regular", "category": (category or "marketing").lower()}


@db_task()
def feed_sandbox_statuses(message_id, pricing=None):
    """Play Meta's status webhooks for one sandbox message: sent, delivered, read, through the webhook's own path.
    The task carries the message's id (and Meta's pricing, which names nobody), never its number: erasing the row
    empties what the queue holds."""
    message = SandboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return  # erased meanwhile
    statuses = []
    for status in ("sent", "delivered", "read"):
        item = {"id": message.wamid, "status": status, "recipient_id": message.recipient.lstrip("+")}
        if message.callback_data:
            item["biz_opaque_callback_data"] = message.callback_data
        if pricing:
            item["pricing"] = pricing
        statuses.append(item)
    try:
        ingest_payload(status_payload(message.phone_number_id, statuses))
    except Exception:
        logger.exception("WhatsApp sandbox: statuses for message %s could not be fed back", message.pk)
        return
    SandboxMessage.objects.filter(pk=message.pk).update(status="read")
