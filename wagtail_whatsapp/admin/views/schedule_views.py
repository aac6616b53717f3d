"""Changing the time of a scheduled broadcast, until it starts (cancelling it is the report's "Cancel" button).

Needs ``send_broadcast``, as every change to a broadcast does. Once the broadcast has started (or was cancelled) its
time is history: the page says so with a 409 instead of a form.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.forms import ScheduleForm
from wagtail_whatsapp.admin.views.broadcast_views import refused_response
from wagtail_whatsapp.models import Broadcast
from wagtail_whatsapp.outbound import scheduled_broadcasts


def no_longer_scheduled(request, broadcast):
    return refused_response(
        request,
        409,
        gettext(
            "This broadcast is no longer scheduled (it is “%(status)s”): once it has started, its time cannot be "
            "changed. Pause or cancel it from its report instead."
        )
        % {"status": broadcast.get_status_display()},
    )


class RescheduleBroadcastView(WagtailAdminTemplateMixin, View):
    template_name = "wagtail_whatsapp/broadcasts/reschedule.html"
    header_icon = "time"

    def dispatch(self, request, pk):
        if not perms.has(request.user, perms.SEND_BROADCAST):
            return refused_response(request, 403, gettext("You do not have permission to control WhatsApp broadcasts."))
        self.broadcast = get_object_or_404(Broadcast.objects.select_related("site", "page", "created_by"), pk=pk)
        if self.broadcast.status != Broadcast.Status.SCHEDULED:
            return no_longer_scheduled(request, self.broadcast)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return gettext("Change the time of the broadcast")

    def get_page_subtitle(self):
        return self.broadcast.title

    def get_breadcrumbs_items(self):
        report = reverse("wagtail_whatsapp_admin:broadcast_report", args=[self.broadcast.pk])
        return self.breadcrumbs_items + [
            {"url": reverse("wagtail_whatsapp_admin:broadcast_index"), "label": gettext("WhatsApp broadcasts")},
            {"url": report, "label": self.broadcast.title},
            {"url": "", "label": self.get_page_title()},
        ]

    def render(self, form, status=200):
        context = self.get_context_data(broadcast=self.broadcast, form=form, form_assets=form.media)
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render(ScheduleForm(initial={"scheduled_for": self.broadcast.scheduled_for}))

    def post(self, request, pk):
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        when = form.cleaned_data["scheduled_for"]
        if not scheduled_broadcasts.reschedule_broadcast(self.broadcast, when, user=request.user):
            return no_longer_scheduled(request, self.broadcast)  # it started while the editor chose
        message = gettext("The broadcast is now scheduled for %(when)s.") % {
            "when": scheduled_broadcasts.local_label(when)
        }
        held_until = scheduled_broadcasts.held_until(self.broadcast.site, when, self.broadcast.urgent)
        if held_until is not None:
            message += " " + gettext("That is in the quiet hours: it will start at %(start)s, when they end.") % {
                "start": held_until.strftime("%H:%M")
            }
        messages.success(request, message)
        return redirect("wagtail_whatsapp_admin:broadcast_report", pk=self.broadcast.pk)
