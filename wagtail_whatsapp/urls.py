"""Site-side URLs. Include them in the site's urls.py, e.g. ``path("whatsapp/", include("wagtail_whatsapp.urls"))``;
the webhook is then served at ``/whatsapp/webhook/``."""

from django.urls import path

from wagtail_whatsapp.inbound import webhook as webhooks

app_name = "wagtail_whatsapp"

urlpatterns = [
    path("webhook/", webhooks.webhook, name="webhook"),
]
