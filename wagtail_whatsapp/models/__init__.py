"""Models, one module per concept, and the rules that belong to them (the service window, active subscribers, sent
statuses, a site's number); everything is importable from ``wagtail_whatsapp.models``."""

from wagtail_whatsapp.models.blocks import BlockedNumber, OptedOutNumber
from wagtail_whatsapp.models.broadcasts import Broadcast, Delivery
from wagtail_whatsapp.models.consent import ConsentRecord
from wagtail_whatsapp.models.inbox import InboundMessage, StatusUpdate
from wagtail_whatsapp.models.media import MediaUpload
from wagtail_whatsapp.models.page_mixins import WhatsAppBroadcastMixin, WhatsAppEventBroadcastMixin
from wagtail_whatsapp.models.pages import (
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
from wagtail_whatsapp.models.ratelimit import RateLimitBucket
from wagtail_whatsapp.models.replies import Reply
from wagtail_whatsapp.models.sandbox import SandboxMedia, SandboxMessage
from wagtail_whatsapp.models.settings import WhatsAppSettings
from wagtail_whatsapp.models.subscribers import Subscriber
from wagtail_whatsapp.models.subscription_requests import SubscriptionRequest
from wagtail_whatsapp.models.templates import MessageTemplate
from wagtail_whatsapp.models.topics import Topic

__all__ = [
    "BlockedNumber",
    "Broadcast",
    "ConsentRecord",
    "Delivery",
    "InboundMessage",
    "MediaUpload",
    "MessageTemplate",
    "OptedOutNumber",
    "RateLimitBucket",
    "Reply",
    "SandboxMedia",
    "SandboxMessage",
    "StatusUpdate",
    "Subscriber",
    "SubscriptionRequest",
    "Topic",
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
