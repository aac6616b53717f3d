"""The Cloud API backend's HTTP side: its ``requests.Session``, the Graph API's URLs, and Meta's answers read as dicts
or raised as ``WhatsAppError``s. Every part of ``CloudBackend`` calls Meta through ``GraphClient``.

The session is safe to share between the threads of a send pool: it keeps up to ``concurrency`` keep-alive
connections open (``SEND_CONCURRENCY`` by default), so parallel sends do not pay a TLS handshake each.
"""

from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from wagtail_whatsapp import __version__, conf
from wagtail_whatsapp.backends import errors
from wagtail_whatsapp.backends.base import BaseBackend, ErrorKind, WhatsAppError
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

    def close(self):
        self.session.close()

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
