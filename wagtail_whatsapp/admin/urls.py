"""Every admin URL of the plugin, in one namespace (``wagtail_whatsapp_admin``), mounted at ``/admin/whatsapp/`` by
the ``register_admin_urls`` hook."""

from django.urls import path

from wagtail_whatsapp.admin.views import (
    broadcast_views,
    gdpr,
    inbox,
    inbox_bulk,
    report_views,
    schedule_views,
    statistics_views,
    subscriber_export,
    subscribers,
)
from wagtail_whatsapp.sandbox import chat as sandbox_chat

app_name = "wagtail_whatsapp_admin"

urlpatterns = [
    # The editor's "Send via WhatsApp" and the broadcast reports.
    path("pages/<int:page_id>/send/", broadcast_views.ConfirmBroadcastView.as_view(), name="broadcast_confirm"),
    path("pages/<int:page_id>/send/test/", broadcast_views.TestSendView.as_view(), name="broadcast_test_send"),
    path(
        "pages/<int:page_id>/send/accept-category/",
        broadcast_views.AcceptCategoryView.as_view(),
        name="broadcast_accept_category",
    ),
    path("broadcasts/", report_views.BroadcastIndexView.as_view(), name="broadcast_index"),
    path("broadcasts/<int:pk>/", report_views.BroadcastReportView.as_view(), name="broadcast_report"),
    path("broadcasts/<int:pk>/progress/", report_views.broadcast_progress_json, name="broadcast_progress"),
    path("broadcasts/<int:pk>/deliveries.csv", report_views.deliveries_csv, name="broadcast_deliveries_csv"),
    # Before the control URL, whose <action> would take "reschedule" for an unknown action.
    path(
        "broadcasts/<int:pk>/reschedule/",
        schedule_views.RescheduleBroadcastView.as_view(),
        name="broadcast_reschedule",
    ),
    path("broadcasts/<int:pk>/<str:action>/", report_views.BroadcastControlView.as_view(), name="broadcast_control"),
    # What the town can show: figures per month and per broadcast, never a person.
    path("statistics/", statistics_views.StatisticsView.as_view(), name="statistics"),
    path("statistics/months.csv", statistics_views.months_csv, name="statistics_months_csv"),
    path("statistics/broadcasts.csv", statistics_views.broadcasts_csv, name="statistics_broadcasts_csv"),
    # Subscribers and the data requests of one citizen.
    path("subscribers/export/", subscriber_export.export_csv, name="subscribers_export"),
    path("subscribers/import/", subscribers.import_csv, name="subscribers_import"),
    path("subscribers/<int:pk>/block/", subscribers.block, name="subscriber_block"),
    path("subscribers/<int:pk>/unblock/", subscribers.unblock, name="subscriber_unblock"),
    path("data-request/", gdpr.data_request, name="gdpr"),
    # The moderation inbox.
    # (Delete, report and block on ticked messages are Wagtail bulk actions: see views/inbox_bulk.py.)
    path("inbox/review/", inbox_bulk.review, name="inbox_bulk_review"),
    path("inbox/evidence/", inbox.evidence, name="inbox_evidence"),
    path("inbox/<int:pk>/", inbox.detail, name="inbox_detail"),
    path("inbox/<int:pk>/review/", inbox.review, name="inbox_review"),
    path("inbox/<int:pk>/delete/", inbox.delete, name="inbox_delete"),
    path("inbox/<int:pk>/report/", inbox.report, name="inbox_report"),
    path("inbox/<int:pk>/block/", inbox.block_sender, name="inbox_block"),
    path("inbox/<int:pk>/media/", inbox.media, name="inbox_media"),
    # The sandbox chat (it answers 404 unless the sandbox backend is in use).
    path("sandbox/", sandbox_chat.chat, name="sandbox_chat"),
]
