"""Models, one module per concept; everything is importable from ``wagtail_whatsapp.models``."""

from .blocks import BlockedNumber
from .broadcasts import Broadcast, Delivery, WhatsAppBroadcastMixin, WhatsAppEventBroadcastMixin
from .consent import ConsentRecord
from .inbox import InboundMessage, StatusUpdate
from .media import MediaUpload
from .pages import (
    WhatsAppArchivePage,
    WhatsAppArchivePageMixin,
    WhatsAppDocumentPageMixin,
    WhatsAppPolicyPage,
    WhatsAppPolicyPageMixin,
    WhatsAppPrivacyPage,
    WhatsAppPrivacyPageMixin,
    WhatsAppSubscribePage,
    WhatsAppSubscribePageMixin,
)
from .ratelimit import RateLimitBucket
from .sandbox import SandboxMedia, SandboxMessage
from .settings import WhatsAppSettings
from .subscribers import Subscriber
from .templates import MessageTemplate

__all__ = [
    "BlockedNumber",
    "Broadcast",
    "ConsentRecord",
    "Delivery",
    "InboundMessage",
    "MediaUpload",
    "MessageTemplate",
    "RateLimitBucket",
    "SandboxMedia",
    "SandboxMessage",
    "StatusUpdate",
    "Subscriber",
    "WhatsAppArchivePage",
    "WhatsAppArchivePageMixin",
    "WhatsAppBroadcastMixin",
    "WhatsAppEventBroadcastMixin",
    "WhatsAppDocumentPageMixin",
    "WhatsAppPolicyPage",
    "WhatsAppPolicyPageMixin",
    "WhatsAppPrivacyPage",
    "WhatsAppPrivacyPageMixin",
    "WhatsAppSettings",
    "WhatsAppSubscribePage",
    "WhatsAppSubscribePageMixin",
]
