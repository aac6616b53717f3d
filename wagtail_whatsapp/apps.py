from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailWhatsAppConfig(AppConfig):
    name = "wagtail_whatsapp"
    label = "wagtail_whatsapp"
    verbose_name = _("WhatsApp")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published

        from wagtail_whatsapp import (
            checks,  # noqa: F401  (registers the system checks)
            forking,
        )
        from wagtail_whatsapp.inbound.ingest import connect_routes_cache
        from wagtail_whatsapp.inbound.moderation import on_message_received
        from wagtail_whatsapp.outbound.publishing import queue_broadcast_on_publish
        from wagtail_whatsapp.outbound.templates import apply_template_webhook
        from wagtail_whatsapp.signals import change_received, message_received

        # A forked worker (huey's process workers) opens database connections of its own.
        forking.register()
        # The webhook's phone_number_id → site cache forgets a route as soon as a site or its settings change.
        connect_routes_cache()
        # Template status and category webhooks keep the synced templates current.
        change_received.connect(apply_template_webhook, dispatch_uid="wagtail_whatsapp.apply_template_webhook")
        # Moderation flags every stored inbound message.
        message_received.connect(on_message_received, dispatch_uid="wagtail_whatsapp.inbound.moderation")
        # Publishing a page with “Send via WhatsApp when published” ticked queues its broadcast.
        page_published.connect(queue_broadcast_on_publish, dispatch_uid="wagtail_whatsapp_queue_broadcast_on_publish")
