from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailWhatsAppConfig(AppConfig):
    name = "wagtail_whatsapp"
    label = "wagtail_whatsapp"
    verbose_name = _("WhatsApp")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)

        # Moderation flags every stored inbound message (issue 7).
        from .moderation import on_message_received
        from .signals import message_received

        message_received.connect(on_message_received, dispatch_uid="wagtail_whatsapp.moderation")
