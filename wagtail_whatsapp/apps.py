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
        from .publishing import queue_broadcast_on_publish
        from .signals import change_received

        change_received.connect(apply_template_webhook, dispatch_uid="wagtail_whatsapp.apply_template_webhook")
        # Publishing a page with “Send via WhatsApp when published” ticked queues its broadcast.
        page_published.connect(queue_broadcast_on_publish, dispatch_uid="wagtail_whatsapp_queue_broadcast_on_publish")
