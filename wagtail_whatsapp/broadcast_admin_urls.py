"""Admin URLs for sending pages via WhatsApp and reading broadcast reports, mounted at ``/admin/whatsapp/``.

Their own namespace (``wagtail_whatsapp_broadcasts``) keeps them apart from the other admin URLs of the plugin."""

from django.urls import path

from .views import broadcast_views, report_views

app_name = "wagtail_whatsapp_broadcasts"

urlpatterns = [
    path("pages/<int:page_id>/send/", broadcast_views.ConfirmBroadcastView.as_view(), name="broadcast_confirm"),
    path("pages/<int:page_id>/send/test/", broadcast_views.TestSendView.as_view(), name="broadcast_test_send"),
    path("broadcasts/", report_views.BroadcastIndexView.as_view(), name="broadcast_index"),
    path("broadcasts/<int:pk>/", report_views.BroadcastReportView.as_view(), name="broadcast_report"),
    path("broadcasts/<int:pk>/progress/", report_views.broadcast_progress_json, name="broadcast_progress"),
    path("broadcasts/<int:pk>/deliveries.csv", report_views.deliveries_csv, name="broadcast_deliveries_csv"),
    path("broadcasts/<int:pk>/<str:action>/", report_views.BroadcastControlView.as_view(), name="broadcast_control"),
]
