"""Broadcast reports: the list, one broadcast's progress and results, its deliveries as CSV, pause/resume/cancel.

Reading needs ``view_reports`` or ``send_broadcast``; pausing, resuming and cancelling need ``send_broadcast``;
full phone numbers in the CSV need ``manage_subscribers`` (everyone else gets masked numbers).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from wagtail_whatsapp import conf
from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.views.broadcast_views import refused_response, service_name
from wagtail_whatsapp.admin.views.csv_download import csv_download
from wagtail_whatsapp.admin.views.progress import progress_summary
from wagtail_whatsapp.admin.views.query import query_id
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.numbers import mask_number
from wagtail_whatsapp.outbound import broadcasts, costs


def can_view_reports(user):
    return perms.has(user, perms.VIEW_REPORTS, perms.SEND_BROADCAST)


def _forbidden(request):
    return refused_response(request, 403, gettext("You do not have permission to see WhatsApp broadcast reports."))


class ReportPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_view_reports(request.user):
            return _forbidden(request)
        return super().dispatch(request, *args, **kwargs)


class BroadcastIndexView(ReportPermissionMixin, WagtailAdminTemplateMixin, View):
    template_name = "wagtail_whatsapp/broadcasts/index.html"
    page_title = _("WhatsApp broadcasts")
    header_icon = "mail"
    per_page = 25

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get(self, request):
        broadcasts = Broadcast.objects.select_related("page", "created_by")
        page_id = query_id(request, "page_id")
        if page_id is not None:
            broadcasts = broadcasts.filter(page_id=page_id)
        paginator = Paginator(broadcasts, self.per_page)
        context = self.get_context_data(
            broadcasts=paginator.get_page(request.GET.get("p")),
            filtered_page_id=page_id or "",
            can_control=perms.has(request.user, perms.SEND_BROADCAST),  # scheduled ones: "Change the time"
        )
        return TemplateResponse(request, self.template_name, context)


def billing_summary(broadcast):
    """What Meta billed for the broadcast (from its status webhooks) by category, and the estimate made before."""
    prices = conf.prices()
    rows, total = costs.billed_by_category(Delivery.objects.filter(broadcast=broadcast), prices)

    def money(amount):
        return costs.format_amount(amount, prices.currency)

    return {
        "rows": [
            {
                "category": row.category,
                "label": row.label,
                "messages": row.messages,
                "unit_price": costs.format_price(row.unit_price, prices.currency),
                "amount": money(row.amount),
            }
            for row in rows
        ],
        "messages": sum(row.messages for row in rows),
        "total": money(total),
        "estimate": money(broadcast.estimated_cost) if broadcast.estimated_cost is not None else "",
        "as_of": prices.as_of,
    }


class BroadcastReportView(ReportPermissionMixin, WagtailAdminTemplateMixin, View):
    template_name = "wagtail_whatsapp/broadcasts/report.html"
    header_icon = "mail"

    def get_page_title(self):
        return gettext("WhatsApp broadcast")

    def get_page_subtitle(self):
        return self.broadcast.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtail_whatsapp_admin:broadcast_index"), "label": gettext("WhatsApp broadcasts")},
            {"url": "", "label": self.broadcast.title},
        ]

    def get(self, request, pk):
        self.broadcast = get_object_or_404(Broadcast.objects.select_related("page", "created_by", "template"), pk=pk)
        progress = progress_summary(self.broadcast)
        context = self.get_context_data(
            broadcast=self.broadcast,
            progress=progress,
            billing=billing_summary(self.broadcast),
            sender_name=service_name(self.broadcast.site),
            is_active=progress["active"],
            can_control=perms.has(request.user, perms.SEND_BROADCAST),
            shows_full_numbers=perms.can_see_numbers(request.user),
        )
        return TemplateResponse(request, self.template_name, context)


def broadcast_progress_json(request, pk):
    """Polled by the report page while the broadcast sends."""
    if not can_view_reports(request.user):
        return JsonResponse({"error": "forbidden"}, status=403)
    broadcast = get_object_or_404(Broadcast, pk=pk)
    response = JsonResponse(progress_summary(broadcast))
    response["Cache-Control"] = "no-store"
    return response


def _iso(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def deliveries_csv(request, pk):
    """Every delivery of a broadcast, streamed in chunks (a town may have tens of thousands of subscribers)."""
    if not can_view_reports(request.user):
        return _forbidden(request)
    broadcast = get_object_or_404(Broadcast, pk=pk)
    full_numbers = perms.can_see_numbers(request.user)
    header = [
        gettext("Number"),
        gettext("Status"),
        gettext("Message type"),
        gettext("Sent at"),
        gettext("Delivered at"),
        gettext("Read at"),
        gettext("Failed at"),
        gettext("Error code"),
        gettext("Error"),
        gettext("Attempts"),
        gettext("Billed by Meta"),
        gettext("Billing category"),
    ]
    statuses = dict(Delivery.Status.choices)
    template_label, freeform_label = gettext("Template"), gettext("Free-form")
    yes, no = gettext("Yes"), gettext("No")

    def rows():
        yield header
        deliveries = (
            Delivery.objects.filter(broadcast=broadcast)
            .select_related("subscriber")
            .order_by("pk")
            .iterator(chunk_size=2000)
        )
        for delivery in deliveries:
            subscriber = delivery.subscriber
            if subscriber is None:
                number = gettext("(erased)")
            elif full_numbers:
                number = subscriber.phone_number or subscriber.wa_user_id
            else:
                number = mask_number(subscriber.phone_number) if subscriber.phone_number else gettext("(hidden)")
            yield [
                number,
                statuses.get(delivery.status, delivery.status),
                template_label if delivery.used_template else freeform_label,
                _iso(delivery.sent_at),
                _iso(delivery.delivered_at),
                _iso(delivery.read_at),
                _iso(delivery.failed_at),
                delivery.error_code if delivery.error_code is not None else "",
                delivery.error_reason,
                delivery.attempts,
                "" if delivery.billable is None else (yes if delivery.is_billed else no),  # empty: Meta said nothing
                delivery.billing_category.upper(),
            ]

    return csv_download(rows(), f"whatsapp-broadcast-{broadcast.pk}-deliveries.csv")


class BroadcastControlView(View):
    """POST-only pause / resume / cancel; back to the report with a message either way."""

    http_method_names = ["post"]
    actions = {
        "pause": (
            "pause_broadcast",
            _("The broadcast is paused. Nobody else receives it until you resume it."),
            _("Only a queued or sending broadcast can be paused; this one is “%(status)s”."),
        ),
        "resume": (
            "resume_broadcast",
            _("The broadcast resumes where it stopped."),
            _("Only a paused broadcast can be resumed; this one is “%(status)s”."),
        ),
        "cancel": (
            "cancel_broadcast",
            _("The broadcast is cancelled. Nobody else will receive it."),
            _("This broadcast is “%(status)s” and can no longer be cancelled."),
        ),
    }

    def post(self, request, pk, action):
        if action not in self.actions:
            raise Http404
        if not perms.has(request.user, perms.SEND_BROADCAST):
            return refused_response(request, 403, gettext("You do not have permission to control WhatsApp broadcasts."))
        broadcast = get_object_or_404(Broadcast, pk=pk)
        function_name, done_message, refused_message = self.actions[action]
        # False when the broadcast's status does not allow the change (e.g. already done).
        if getattr(broadcasts, function_name)(broadcast, user=request.user):
            messages.success(request, done_message)
        else:
            broadcast.refresh_from_db()
            messages.warning(request, refused_message % {"status": broadcast.get_status_display()})
        return redirect("wagtail_whatsapp_admin:broadcast_report", pk=broadcast.pk)
