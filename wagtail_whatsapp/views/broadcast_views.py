"""The editor's "Send via WhatsApp" view: preview, recipient counts, repeat warning, test send, confirm.

Views stay thin: what to send and to whom comes from ``broadcasts.plan_broadcast``, the sending from
``broadcasts.start_broadcast`` / ``send_test_message`` (the engine, imported late so the admin loads without it).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from .. import permissions as perms
from ..backends.base import WhatsAppError
from ..broadcast_forms import ConfirmBroadcastForm, TestSendForm
from ..page_actions import is_opted_in
from ..previews import template_preview


def _engine():
    from .. import broadcasts

    return broadcasts


def _count(value):
    """Plan counts may come as numbers or as collections of recipients."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if hasattr(value, "count") and not isinstance(value, (list, tuple)):
        return value.count()
    return len(value)


def service_name(site):
    """The name citizens see as the sender (the site's WhatsApp settings), for the phone preview."""
    from ..models import WhatsAppSettings

    return WhatsAppSettings.for_site(site).get_service_name() if site else ""


def refused_response(request, status, reason):
    """An admin page saying plainly why the action is not possible, with a 4xx status."""
    context = {"page_title": gettext("Not possible"), "header_icon": "warning", "reason": reason}
    return TemplateResponse(request, "wagtail_whatsapp/broadcasts/refused.html", context, status=status)


class PageBroadcastView(WagtailAdminTemplateMixin, View):
    """Common checks: the permission (403), an opted-in page type (400) and a live page (409)."""

    header_icon = "mail"
    template_name = "wagtail_whatsapp/broadcasts/confirm.html"

    def dispatch(self, request, page_id):
        if not perms.has(request.user, perms.SEND_BROADCAST):
            # A real 403 (Wagtail's own PermissionDenied handling would redirect to the dashboard).
            return refused_response(request, 403, gettext("You do not have permission to send pages via WhatsApp."))
        self.page = get_object_or_404(Page, pk=page_id).specific
        refusal = self.refusal()
        if refusal:
            return refused_response(request, *refusal)
        return super().dispatch(request, page_id)

    def refusal(self):
        if not is_opted_in(self.page):
            return 400, gettext("Pages of this type cannot be sent via WhatsApp.")
        if not self.page.live:
            return 409, gettext("Only published pages can be sent via WhatsApp. Publish the page first.")
        return None

    def get_page_title(self):
        return gettext("Send via WhatsApp")

    def get_page_subtitle(self):
        return self.page.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.page.pk]), "label": self.get_page_subtitle()},
            {"url": "", "label": self.get_page_title()},
        ]

    def render_confirmation(self, confirm_form=None, test_form=None, status=200):
        plan = _engine().plan_broadcast(self.page)
        previous = list(plan.previous_broadcasts or [])
        context = self.get_context_data(
            page=self.page,
            plan=plan,
            sender_name=service_name(plan.site),
            template_preview=template_preview(plan.template, getattr(plan, "template_spec", None)),
            recipients_count=_count(plan.recipients),
            template_count=_count(plan.template_recipients),
            freeform_count=_count(plan.freeform_recipients),
            previous_broadcasts=previous,
            problems=list(plan.problems or []),
            # The repeat warning has its own block, with the earlier broadcasts, in the template.
            warnings=[warning for warning in plan.warnings or [] if warning != plan.repeat_warning],
            confirm_form=confirm_form or ConfirmBroadcastForm(is_repeat=bool(previous)),
            test_form=test_form or TestSendForm(),
        )
        return TemplateResponse(self.request, self.template_name, context, status=status)


class ConfirmBroadcastView(PageBroadcastView):
    def get(self, request, page_id):
        return self.render_confirmation()

    def post(self, request, page_id):
        engine = _engine()
        plan = engine.plan_broadcast(self.page)
        form = ConfirmBroadcastForm(request.POST, is_repeat=bool(list(plan.previous_broadcasts or [])))
        if plan.problems or not form.is_valid():
            return self.render_confirmation(confirm_form=form, status=400 if plan.problems else 200)
        try:
            broadcast = engine.start_broadcast(self.page, user=request.user, revision=self.page.live_revision)
        except engine.BroadcastRefused as refused:
            form.add_error(None, refused.reason)
            return self.render_confirmation(confirm_form=form)
        if broadcast is None:  # only with once_per_revision; kept for safety
            messages.info(request, gettext("This version of the page was already sent via WhatsApp."))
            return redirect("wagtail_whatsapp_broadcasts:broadcast_index")
        messages.success(
            request,
            gettext("“%(title)s” is being sent via WhatsApp to %(count)s subscribers.")
            % {"title": self.page.title, "count": broadcast.recipients_count},
        )
        return redirect("wagtail_whatsapp_broadcasts:broadcast_report", pk=broadcast.pk)


class TestSendView(PageBroadcastView):
    http_method_names = ["post"]

    def post(self, request, page_id):
        engine = _engine()
        form = TestSendForm(request.POST)
        if form.is_valid():
            try:
                engine.send_test_message(self.page, form.cleaned_data["number"], user=request.user)
            except engine.BroadcastRefused as refused:
                form.add_error("number", refused.reason)
            except WhatsAppError as error:
                form.add_error(
                    "number",
                    gettext("WhatsApp did not accept the test message: %(error)s") % {"error": error.message},
                )
            else:
                messages.success(
                    request,
                    gettext("Test message sent to %(number)s. Check that phone before sending to everyone.")
                    % {"number": form.cleaned_data["number"]},
                )
                return redirect("wagtail_whatsapp_broadcasts:broadcast_confirm", page_id=self.page.pk)
        return self.render_confirmation(test_form=form)
