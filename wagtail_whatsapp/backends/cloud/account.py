"""The Cloud API backend's account information: the WhatsApp Business Account's message templates (listed, submitted,
their examples uploaded) and the phone number's throughput and messaging limit."""

from wagtail_whatsapp import conf
from wagtail_whatsapp.backends import errors
from wagtail_whatsapp.backends.base import ErrorKind, PhoneNumberInfo, TemplateInfo, WhatsAppError
from wagtail_whatsapp.backends.cloud.graph import GraphClient
from wagtail_whatsapp.backends.template_components import template_definition

TEMPLATE_FIELDS = "name,language,status,category,components,parameter_format,id"
PHONE_NUMBER_FIELDS = "display_phone_number,throughput,whatsapp_business_manager_messaging_limit"
TEMPLATES_PAGE_SIZE = 100
MAX_TEMPLATE_PAGES = 500  # a guard against a cursor that never ends, far above any real account


class CloudAccount(GraphClient):
    def list_templates(self, waba_id):
        if not waba_id:
            raise WhatsAppError("No WhatsApp Business Account ID is configured (WABA_ID).", kind=ErrorKind.FATAL)
        url = self._url(waba_id, "message_templates")
        params = {"fields": TEMPLATE_FIELDS, "limit": TEMPLATES_PAGE_SIZE}
        templates, seen_cursors = [], set()
        for _page in range(MAX_TEMPLATE_PAGES):
            answer = self._request("GET", url, params=params)
            data = answer.get("data")
            if not isinstance(data, list):
                raise errors.invalid_answer("The Graph API answered the template list without data.")
            templates.extend(_template_info(item) for item in data if isinstance(item, dict))
            paging = answer.get("paging") if isinstance(answer.get("paging"), dict) else {}
            cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
            after = cursors.get("after")
            # Meta keeps the cursors on the last page but drops ``next``: stop there (or on a repeated cursor).
            if not paging.get("next") or not after or after in seen_cursors:
                break
            seen_cursors.add(after)
            params = {**params, "after": after}
        return templates

    def create_template(self, waba_id, template):
        if not waba_id:
            raise WhatsAppError("No WhatsApp Business Account ID is configured (WABA_ID).", kind=ErrorKind.FATAL)
        answer = self._request("POST", self._url(waba_id, "message_templates"), json=template_definition(template))
        return TemplateInfo(
            name=template.name,
            language=template.language,
            status=str(answer.get("status") or "PENDING"),
            category=str(answer.get("category") or template.category),
            template_id=str(answer.get("id") or ""),
            parameter_format=template.parameter_format,
            components=list(template.components),
        )

    def upload_template_example(self, content, mime_type, filename="example"):
        """Meta's Resumable Upload API: a session on the app (``APP_ID``), then the bytes; the answer's ``h`` is the
        header handle a template's example needs."""
        app_id = conf.get("APP_ID")
        if not app_id:
            raise WhatsAppError("No Meta app ID is configured (APP_ID): it is needed to upload examples.")
        params = {"file_name": filename, "file_length": len(content), "file_type": mime_type}
        session = self._request("POST", self._url(app_id, "uploads"), params=params)
        upload_id = session.get("id")
        if not isinstance(upload_id, str) or not upload_id.startswith("upload:"):
            raise errors.invalid_answer("The Graph API opened no upload session.")
        answer = self._request(
            "POST",
            f"{self.base_url}/{self.api_version}/{upload_id}",
            body=content,
            headers={"file_offset": "0", "Authorization": f"OAuth {self._access_token}"},
        )
        handle = answer.get("h")
        if not isinstance(handle, str) or not handle:
            raise errors.invalid_answer("The Graph API took the example but gave no header handle.")
        return handle

    def get_phone_number_info(self):
        answer = self._request("GET", self._url(self.phone_number_id), params={"fields": PHONE_NUMBER_FIELDS})
        throughput = answer.get("throughput")
        limit = answer.get("whatsapp_business_manager_messaging_limit")
        if isinstance(limit, dict):  # some versions wrap it: {"current_limit": "TIER_2K"}
            limit = limit.get("current_limit") or limit.get("tier") or ""
        return PhoneNumberInfo(
            phone_number_id=str(answer.get("id") or self.phone_number_id),
            throughput_level=str(throughput.get("level", "")) if isinstance(throughput, dict) else "",
            messaging_limit_tier=str(limit or ""),
            display_phone_number=str(answer.get("display_phone_number") or ""),
            raw=answer,
        )


def _template_info(item):
    return TemplateInfo(
        name=str(item.get("name") or ""),
        language=str(item.get("language") or ""),
        status=str(item.get("status") or ""),
        category=str(item.get("category") or ""),
        template_id=str(item.get("id") or ""),
        parameter_format=str(item.get("parameter_format") or ""),
        components=item.get("components") if isinstance(item.get("components"), list) else [],
    )
