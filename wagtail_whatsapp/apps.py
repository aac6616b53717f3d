from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailWhatsAppConfig(AppConfig):
    name = "wagtail_whatsapp"
    label = "wagtail_whatsapp"
    verbose_name = _("WhatsApp")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published

        from . import checks  # noqa: F401  (registers the system checks)
        from .message_templates import apply_template_webhook
        from .moderation import on_message_received
        from .publishing import queue_broadcast_on_publish
        from .signals import change_received, message_received

        # Template status and category webhooks keep the synced templates current.
        change_received.connect(apply_template_webhook, dispatch_uid="wagtail_whatsapp.apply_template_webhook")
        # Moderation flags every stored inbound message.
        message_received.connect(on_message_received, dispatch_uid="wagtail_whatsapp.moderation")
        # Publishing a page with “Send via WhatsApp when published” ticked queues its broadcast.
        page_published.connect(queue_broadcast_on_publish, dispatch_uid="wagtail_whatsapp_queue_broadcast_on_publish")
