"""Models, one module per concept; everything is importable from ``wagtail_whatsapp.models``."""

from .blocks import BlockedNumber
from .broadcasts import Broadcast, Delivery, WhatsAppBroadcastMixin
from .consent import ConsentRecord
from .inbox import InboundMessage, StatusUpdate
from .sandbox import SandboxMessage
from .settings import WhatsAppSettings
from .subscribers import Subscriber
from .templates import MessageTemplate

__all__ = [
    "BlockedNumber",
    "Broadcast",
    "ConsentRecord",
    "Delivery",
    "InboundMessage",
    "MessageTemplate",
    "SandboxMessage",
    "StatusUpdate",
    "Subscriber",
    "WhatsAppBroadcastMixin",
    "WhatsAppSettings",
]
