"""The Cloud API backend's HTTP side: the Graph API's URLs, calls through the backend's connection pool
(connection.py), and Meta's answers read as dicts or raised as ``WhatsAppError``s. Every part of ``CloudBackend``
calls Meta through ``GraphClient``.
"""

import http.client
import json
from urllib.parse import quote, urlencode

from urllib3.exceptions import HTTPError

from wagtail_whatsapp import __version__, conf
from wagtail_whatsapp.backends import deadline, errors
from wagtail_whatsapp.backends.base import BaseBackend, ErrorKind, WhatsAppError
from wagtail_whatsapp.backends.cloud.connection import (
    REDIRECTS_ONLY,
    connection_pool,
    environment_ca_bundle,
    environment_proxy,
)
from wagtail_whatsapp.backends.cloud.keep_alive import CouldNotConnect, ThreadConnections
from wagtail_whatsapp.backends.download import MAX_DOWNLOAD_BYTES


class GraphClient(BaseBackend):
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
        self.timeouts = timeouts or conf.timeouts()
        self.max_download_bytes = max_download_bytes
        proxy, ca_bundle = environment_proxy(self.base_url), environment_ca_bundle()
        self.pool = connection_pool(size=self.concurrency, timeouts=self.timeouts, proxy=proxy, ca_bundle=ca_bundle)
        # The Graph API's own calls (every message of a broadcast) skip the pool unless a proxy stands in between.
        self.direct = None
        if not proxy:
            self.direct = ThreadConnections(self.base_url, timeouts=self.timeouts, ca_bundle=ca_bundle)
        self._headers = {
            "Authorization": f"Bearer {self._access_token}",
            "User-Agent": f"wagtail-whatsapp/{__version__}",
        }
        self._json_headers = {**self._headers, "Content-Type": "application/json"}

    def close(self):
        self.pool.clear()
        if self.direct is not None:
            self.direct.close()

    def _url(self, *parts):
        return "/".join([self.base_url, self.api_version, *(quote(str(part), safe="") for part in parts)])

    def _secrets(self):
        return (self._access_token,)

    def _raw_request(self, method, url, *, params=None, json=None, body=None, headers=None, stream=False):
        """Meta's answer (``status``, ``data``), whatever its status; a WhatsAppError when no answer came
        (``deadline.CallTooLate`` when the call would leave after the time its caller set). ``stream``
        (urllib3's response, through the pool) leaves the body unread (the caller reads it and closes the response)
        and follows redirects (a download URL may move)."""
        if not self._access_token:
            raise WhatsAppError("No access token is configured (ACCESS_TOKEN).", kind=ErrorKind.FATAL)
        if not url.startswith(("https://", "http://")):
            raise errors.invalid_url("it does not start with https://", secrets=self._secrets())
        if params:
            url = f"{url}?{urlencode(params)}"
        if json is not None:
            body, base_headers = _compact_json(json), self._json_headers
        else:
            base_headers = self._headers
        headers = {**base_headers, **headers} if headers else base_headers
        if not stream and self.direct is not None and self.direct.serves(url):
            try:
                return self.direct.request(method, url, body=body, headers=headers)
            except CouldNotConnect as exc:
                raise errors.could_not_connect(exc.reason, secrets=self._secrets()) from None
            except (OSError, http.client.HTTPException) as exc:
                raise errors.error_from_transport(exc, secrets=self._secrets()) from None
        options = {"preload_content": False, "retries": REDIRECTS_ONLY} if stream else {"redirect": False}
        deadline.check()
        try:
            return self.pool.request(method, url, body=body, headers=headers, **options)
        except HTTPError as exc:
            raise errors.error_from_transport(exc, secrets=self._secrets()) from None

    def _request(self, method, url, **kwargs):
        """Meta's JSON answer as a dict, or a WhatsAppError; nothing else escapes."""
        response = self._raw_request(method, url, **kwargs)
        if response.status >= 400:
            raise errors.error_from_response(response.status, response.data, secrets=self._secrets())
        answer = errors.json_body(response.data)
        if not isinstance(answer, dict):
            what = "an empty body" if not response.data else "a body that is not JSON"
            message = f"The Graph API answered HTTP {response.status} with {what}."
            raise errors.invalid_answer(message, http_status=response.status)
        if isinstance(answer.get("error"), dict):
            raise errors.error_from_meta(answer["error"], http_status=response.status, secrets=self._secrets())
        return answer


def _compact_json(payload):
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
