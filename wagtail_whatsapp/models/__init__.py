"""Models, one module per concept; everything is importable from ``wagtail_whatsapp.models``."""

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
from .sandbox import SandboxMessage
from .settings import WhatsAppSettings
from .subscribers import Subscriber
from .templates import MessageTemplate

__all__ = [
    "Broadcast",
    "ConsentRecord",
    "Delivery",
    "InboundMessage",
    "MediaUpload",
    "MessageTemplate",
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
