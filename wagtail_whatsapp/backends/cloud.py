"""Meta's WhatsApp Business Cloud API over requests. The only module that knows Meta's URLs and JSON."""

from .base import BaseBackend


class CloudBackend(BaseBackend):
    pass
