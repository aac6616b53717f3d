from django.urls import include, path  # urls.py of `wagtail start` imports both already

urlpatterns = [
    path("whatsapp/", include("wagtail_whatsapp.urls")),  # ← add this line; the webhook is then /whatsapp/webhook/
    # ... the list's other entries as they were (admin, documents, search); Wagtail's catch-all stays after them
]
