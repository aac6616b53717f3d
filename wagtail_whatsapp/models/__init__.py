"""Models, one module per concept; everything is importable from ``wagtail_whatsapp.models``."""

from .broadcasts import Broadcast, Delivery, WhatsAppBroadcastMixin, WhatsAppEventBroadcastMixin
from .consent import ConsentRecord
from .inbox import InboundMessage, StatusUpdate
from .ratelimit import RateLimitBucket
from .sandbox import SandboxMessage
from .settings import WhatsAppSettings
from .subscribers import Subscriber
from .templates import MessageTemplate

__all__ = [
    "Broadcast",
    "ConsentRecord",
    "Delivery",
    "InboundMessage",
    "MessageTemplate",
    "RateLimitBucket",
    "SandboxMessage",
    "StatusUpdate",
    "Subscriber",
    "WhatsAppBroadcastMixin",
    "WhatsAppEventBroadcastMixin",
    "WhatsAppSettings",
]
