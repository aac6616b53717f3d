"""Admin URLs of the plugin, mounted by the ``register_admin_urls`` hook at ``/admin/whatsapp/``."""

from django.urls import path

from .views import gdpr, inbox, subscriber_export, subscribers

app_name = "wagtail_whatsapp_admin"

urlpatterns = [
    path("subscribers/export/", subscriber_export.export_csv, name="subscribers_export"),
    path("subscribers/import/", subscribers.import_csv, name="subscribers_import"),
    path("subscribers/<int:pk>/block/", subscribers.block, name="subscriber_block"),
    path("subscribers/<int:pk>/unblock/", subscribers.unblock, name="subscriber_unblock"),
    path("data-request/", gdpr.data_request, name="gdpr"),
    path("inbox/<int:pk>/", inbox.detail, name="inbox_detail"),
    path("inbox/<int:pk>/review/", inbox.review, name="inbox_review"),
    path("inbox/<int:pk>/delete/", inbox.delete, name="inbox_delete"),
    path("inbox/<int:pk>/report/", inbox.report, name="inbox_report"),
    path("inbox/<int:pk>/block/", inbox.block_sender, name="inbox_block"),
    path("inbox/<int:pk>/media/", inbox.media, name="inbox_media"),
]
