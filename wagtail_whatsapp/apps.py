from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailWhatsAppConfig(AppConfig):
    name = "wagtail_whatsapp"
    label = "wagtail_whatsapp"
    verbose_name = _("WhatsApp")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .message_templates import apply_template_webhook
        from .moderation import on_message_received
        from .signals import change_received, message_received

        # Template status and category webhooks keep the synced templates current.
        change_received.connect(apply_template_webhook, dispatch_uid="wagtail_whatsapp.apply_template_webhook")
        # Moderation flags every stored inbound message.
        message_received.connect(on_message_received, dispatch_uid="wagtail_whatsapp.moderation")
