"""Meta's WhatsApp Business Cloud API over urllib3. The only package that knows Meta's URLs and JSON.

One ``CloudBackend`` serves one phone number. It is safe to share between the threads of a send pool: its urllib3
pool keeps up to ``concurrency`` keep-alive connections open (``SEND_CONCURRENCY`` by default), so parallel sends do
not pay a TLS handshake each.

``CloudBackend`` is put together from one class per part of the API, each in a module of this package:
``connection.py`` (the pool, the environment's proxy and CA bundle), ``graph.py`` (URLs, Meta's answers and
errors), ``messages.py``, ``media.py``, ``blocking.py`` and
``account.py`` (templates, the phone number's limits). It stays here because settings name it by this dotted path:
``wagtail_whatsapp.backends.cloud.CloudBackend`` (the ``"cloud"`` alias of ``conf.py``).
"""

from wagtail_whatsapp.backends.cloud.account import CloudAccount
from wagtail_whatsapp.backends.cloud.blocking import CloudBlocking
from wagtail_whatsapp.backends.cloud.media import CloudMedia
from wagtail_whatsapp.backends.cloud.messages import CloudMessages


class CloudBackend(CloudMessages, CloudMedia, CloudBlocking, CloudAccount):
    def __repr__(self):  # never shows the token
        return f"<CloudBackend {self.phone_number_id} {self.base_url}/{self.api_version}>"
