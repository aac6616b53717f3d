"""Site-side URLs. Include them in the site's urls.py, e.g. ``path("whatsapp/", include("wagtail_whatsapp.urls"))``;
the webhook is then served at ``/whatsapp/webhook/``."""

app_name = "wagtail_whatsapp"

urlpatterns = []
