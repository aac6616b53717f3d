"""Meta's WhatsApp Business Cloud API over requests. The only module that knows Meta's URLs and JSON.

One ``CloudBackend`` serves one phone number. It is safe to share between the threads of a send pool: its
``requests.Session`` keeps up to ``concurrency`` keep-alive connections open (``SEND_CONCURRENCY`` by default), so
parallel sends do not pay a TLS handshake each.
"""

import logging
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from wagtail_whatsapp import __version__, conf
from wagtail_whatsapp.backends import errors
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
from wagtail_whatsapp.backends.download import MAX_DOWNLOAD_BYTES, check_sha256, read_capped, too_large
from wagtail_whatsapp.backends.interactive import list_message, reply_buttons
from wagtail_whatsapp.backends.template_components import media_object, template_components, template_definition
from wagtail_whatsapp.numbers import mask_number

logger = logging.getLogger(__name__)

MEDIA_TYPES = ("image", "video", "document")
TEMPLATE_FIELDS = "name,language,status,category,components,parameter_format,id"
PHONE_NUMBER_FIELDS = "display_phone_number,throughput,whatsapp_business_manager_messaging_limit"
TEMPLATES_PAGE_SIZE = 100
MAX_TEMPLATE_PAGES = 500  # a guard against a cursor that never ends, far above any real account


class CloudBackend(BaseBackend):
    def __init__(
        self,
        phone_number_id="",
        *,
        concurrency=None,
        access_token=None,
        max_download_bytes=MAX_DOWNLOAD_BYTES,
        base_url=None,
        api_version=None,
        timeouts=None,
        **options,
    ):
        super().__init__(phone_number_id=phone_number_id or conf.default_phone_number_id(), **options)
        self.concurrency = concurrency or conf.send_concurrency()
        self._access_token = access_token if access_token is not None else conf.get("ACCESS_TOKEN")
        self.base_url = (base_url or conf.get("API_BASE_URL")).rstrip("/")
        self.api_version = (api_version or conf.get("API_VERSION")).strip("/")
        self.timeout = (timeouts or conf.timeouts()).as_requests_timeout()
        self.max_download_bytes = max_download_bytes
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.concurrency, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update(
            {"Authorization": f"Bearer {self._access_token}", "User-Agent": f"wagtail-whatsapp/{__version__}"}
        )
        # The environment's proxies and CA bundle (HTTPS_PROXY, REQUESTS_CA_BUNDLE...), read once: requests would read
        # them again on every call, a tenth of a busy sender's interpreter.
        environment = self.session.merge_environment_settings(self.base_url, {}, None, None, None)
        self.session.proxies.update(environment["proxies"])
        self.session.verify = environment["verify"]
        self.session.trust_env = False

    def __repr__(self):  # never shows the token
        return f"<CloudBackend {self.phone_number_id} {self.base_url}/{self.api_version}>"

    # Sending

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
        logger.debug("WhatsApp %s to %s accepted: %s", message_type, mask_number(to), wamid)
        return SendResult(
            wamid=wamid, wa_id=str(contact.get("wa_id") or ""), message_status=str(first.get("message_status") or "")
        )

    # Media

    def upload_media(self, content, mime_type, filename="upload"):
        answer = self._request(
            "POST",
            self._url(self.phone_number_id, "media"),
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        media_id = answer.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise errors.invalid_answer("The Graph API accepted the upload but returned no media id.")
        return media_id

    def download_media(self, media_id):
        """``GET /<media-id>`` gives a download URL valid five minutes, which answers the bytes to the same token.
        Media over ``max_download_bytes`` is refused (RECIPIENT) without reading more than that."""
        if not isinstance(media_id, str) or not media_id.strip():
            raise WhatsAppError("No media id to download.", kind=ErrorKind.RECIPIENT)
        what, limit = f"Media {media_id.strip()}", self.max_download_bytes
        answer = self._request("GET", self._url(media_id.strip()))
        url, stated_size = answer.get("url"), answer.get("file_size")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise errors.invalid_answer("The Graph API answered the media lookup without a download URL.")
        if str(stated_size).isdigit() and int(stated_size) > limit:
            raise too_large(what, int(stated_size), limit)
        response = self._raw_request("GET", url, stream=True)
        try:
            if not response.ok:
                raise errors.error_from_response(response, secrets=self._secrets())
            content, content_type = read_capped(response, limit, what)
        except requests.RequestException as exc:
            raise errors.error_from_transport(exc, secrets=self._secrets()) from None
        finally:
            response.close()
        check_sha256(content, answer.get("sha256"), what)
        return content, str(answer.get("mime_type") or "") or content_type

    # Blocking

    def block_users(self, users):
        return self._block("POST", users)

    def unblock_users(self, users):
        return self._block("DELETE", users)

    def _block(self, method, users):
        users = list(users)
        if not users:
            return BlockResult()
        payload = {"messaging_product": "whatsapp", "block_users": [{"user": user} for user in users]}
        # A partial failure comes as an error (139100) AND the per-user lists: read both before raising.
        response = self._raw_request(method, self._url(self.phone_number_id, "block_users"), json=payload)
        answer = self._json(response)
        lists = answer.get("block_users") if isinstance(answer, dict) else None
        if not isinstance(lists, dict):
            if response.ok:
                raise errors.invalid_answer("The Graph API answered block_users without the list of users.", response)
            raise errors.error_from_response(response, secrets=self._secrets())
        added = [_user_input(entry) for entry in lists.get("added_users") or [] if isinstance(entry, dict)]
        failed = {}
        for entry in lists.get("failed_users") or []:
            if not isinstance(entry, dict):
                continue
            entry_errors = entry.get("errors") or [answer.get("error") or {}]
            failed[_user_input(entry)] = errors.error_from_meta(
                entry_errors[0], http_status=response.status_code, secrets=self._secrets()
            )
        return BlockResult(added=added, failed=failed)

    # Account information

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
            data=content,
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

    def close(self):
        self.session.close()

    # HTTP

    def _url(self, *parts):
        return "/".join([self.base_url, self.api_version, *(quote(str(part), safe="") for part in parts)])

    def _secrets(self):
        return (self._access_token,)

    def _raw_request(self, method, url, **kwargs):
        if not self._access_token:
            raise WhatsAppError("No access token is configured (ACCESS_TOKEN).", kind=ErrorKind.FATAL)
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise errors.error_from_transport(exc, secrets=self._secrets()) from None

    def _json(self, response):
        try:
            return response.json()
        except ValueError:
            return None

    def _request(self, method, url, **kwargs):
        """Meta's JSON answer as a dict, or a WhatsAppError; nothing else escapes."""
        response = self._raw_request(method, url, **kwargs)
        if not response.ok:
            raise errors.error_from_response(response, secrets=self._secrets())
        answer = self._json(response)
        if not isinstance(answer, dict):
            what = "an empty body" if not response.content else "a body that is not JSON"
            raise errors.invalid_answer(f"The Graph API answered HTTP {response.status_code} with {what}.", response)
        if isinstance(answer.get("error"), dict):
            raise errors.error_from_meta(answer["error"], http_status=response.status_code, secrets=self._secrets())
        return answer


def _user_input(entry):
    return str(entry.get("input") or entry.get("wa_id") or "")


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
