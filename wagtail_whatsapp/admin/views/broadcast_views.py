"""The editor's "Send via WhatsApp" view: preview, recipient counts, cost and budget, repeat warning, test send,
confirm now or schedule for a time; and accepting a template's new category.

Views stay thin: what to send and to whom comes from ``outbound/plan.py``, the sending from
``outbound/broadcasts.py`` (``start_broadcast``, ``send_test_message``).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log
from wagtail.models import Page

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.forms import MEDIA_LABELS, ConfirmBroadcastForm, MediaChoiceForm, TestSendForm
from wagtail_whatsapp.admin.page_actions import is_opted_in
from wagtail_whatsapp.admin.previews import template_preview
from wagtail_whatsapp.admin.views.cost_display import choice_costs, cost_summary, urgent_cost_summary
from wagtail_whatsapp.models import Broadcast, WhatsAppSettings
from wagtail_whatsapp.outbound import broadcasts, costs, schedule, scheduled_broadcasts, templates
from wagtail_whatsapp.outbound.plan import BroadcastRefused, plan_broadcast

CATEGORY_ACCEPTED_ACTION = "wagtail_whatsapp.template_category_accepted"


def service_name(site):
    """The name citizens see as the sender (the site's WhatsApp settings), for the phone preview."""
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

    def media_choice(self):
        """The media the editor chose to go (GET from the choice, POST from the forms), or "" for the page's own."""
        choice = self.request.POST.get("media") or self.request.GET.get("media") or ""
        return choice if choice in MEDIA_LABELS else ""

    def may_exceed_budget(self):
        return perms.has(self.request.user, perms.EXCEED_BUDGET)

    def may_send_urgent(self):
        return perms.has(self.request.user, perms.SEND_URGENT)

    def starts_at(self, plan):
        """When a broadcast confirmed now would start: the end of the site's quiet hours, or None for now."""
        return schedule.quiet_hours_end(plan.site) if plan.site is not None else None

    def urgent_plan(self):
        """The plan of the same page as an urgent alert: everyone whatever their topics, its UTILITY template."""
        return plan_broadcast(self.page, media_choice=self.media_choice(), urgent=True)

    @staticmethod
    def urgent_template(plan, urgent_plan):
        """The UTILITY template an urgent alert would carry instead of the page's usual one, or None when it is the
        same (outbound/urgent.py)."""
        if not urgent_plan.template_recipients:
            return None
        template = urgent_plan.template
        return template if template is not None and template != plan.template else None

    def render_confirmation(self, confirm_form=None, test_form=None, status=200):
        plan = plan_broadcast(self.page, media_choice=self.media_choice())
        cost = costs.estimate(plan)
        budget = costs.check_budget(plan, cost)
        problems = list(plan.problems)
        if budget.exceeds and not self.may_exceed_budget():
            problems.append(budget_refusal(budget))
        previous = list(plan.previous_broadcasts)
        going = plan.media.get("type", "")
        starts_at = self.starts_at(plan)
        confirm_form = confirm_form or ConfirmBroadcastForm(
            is_repeat=bool(previous),
            over_budget=budget.exceeds and self.may_exceed_budget(),
            may_be_urgent=self.may_send_urgent(),
            starts_at=starts_at,
            initial={"media": going},
        )
        urgent_plan = self.urgent_plan() if confirm_form.fields.get("urgent") else None
        context = self.get_context_data(
            # The button says what it does: in the quiet hours it schedules the broadcast for their end.
            starts_at=starts_at,
            page=self.page,
            plan=plan,
            sender_name=service_name(plan.site),
            template_preview=template_preview(plan.template, plan.template_spec),
            urgent_template=self.urgent_template(plan, urgent_plan) if urgent_plan else None,
            urgent_cost=urgent_cost_summary(cost, urgent_plan) if urgent_plan else None,
            # An alert reaches everyone whatever their topics: its button counts them all.
            urgent_recipients_count=urgent_plan.recipients if urgent_plan else None,
            media_going=going,
            media_form=(
                MediaChoiceForm(initial={"media": going}, media_options=plan.media_options)
                if len(plan.media_options) > 1
                else None
            ),
            recipients_count=plan.recipients,
            choice_shares=choice_costs(plan.choice_shares, cost),
            template_count=plan.template_recipients,
            freeform_count=plan.freeform_recipients,
            previous_broadcasts=previous,
            # Scheduled and not started: moving that one is likely what the editor wants, not a second broadcast.
            already_scheduled=[broadcast for broadcast in previous if broadcast.status == Broadcast.Status.SCHEDULED],
            problems=problems,
            cost=cost_summary(cost, budget),
            # A template Meta moved to a dearer category: the editor may accept the new price here.
            category_to_accept=plan.template if costs.category_change_problem(plan.template) else None,
            # The repeat warning has its own block, with the earlier broadcasts, in the template.
            warnings=[warning for warning in plan.warnings if warning != plan.repeat_warning],
            confirm_form=confirm_form,
            # Wagtail's date-time picker (``{{ confirm_form.media }}`` is the form's hidden field of that name).
            confirm_form_assets=confirm_form.media,
            test_form=test_form or TestSendForm(initial={"media": going}),
        )
        return TemplateResponse(self.request, self.template_name, context, status=status)


class ConfirmBroadcastView(PageBroadcastView):
    def get(self, request, page_id):
        return self.render_confirmation()

    def post(self, request, page_id):
        if request.POST.get("urgent") and not self.may_send_urgent():
            # The box is shown only to holders of send_urgent: this POST was made by hand. Refuse it, do not queue it.
            return refused_response(request, 403, gettext("You do not have permission to send urgent broadcasts."))
        plan = plan_broadcast(self.page, media_choice=self.media_choice())
        budget = costs.check_budget(plan)
        if budget.exceeds and not self.may_exceed_budget():
            return self.render_confirmation(status=403)
        starts_at = self.starts_at(plan)
        form = ConfirmBroadcastForm(
            request.POST,
            is_repeat=plan.previous_broadcasts.exists(),
            over_budget=budget.exceeds,
            may_be_urgent=self.may_send_urgent(),
            starts_at=starts_at,
        )
        if plan.problems or not form.is_valid():
            return self.render_confirmation(confirm_form=form, status=400 if plan.problems else 200)
        try:
            broadcast = broadcasts.start_broadcast(
                self.page,
                user=request.user,
                revision=self.page.live_revision,
                exceed_budget=form.cleaned_data.get("confirm_over_budget", False),
                media_choice=form.cleaned_data["media"],
                urgent=form.cleaned_data.get("urgent", False),
                at=form.scheduled_time,
            )
        except BroadcastRefused as refused:
            form.add_error(None, refused.reason)
            return self.render_confirmation(confirm_form=form)
        messages.success(request, started_message(self.page, broadcast, starts_at))
        return redirect("wagtail_whatsapp_admin:broadcast_report", pk=broadcast.pk)


def started_message(page, broadcast, starts_at):
    """What the editor is told once the broadcast is queued or scheduled."""
    values = {"title": page.title, "count": broadcast.recipients_count}
    if broadcast.scheduled_for is not None:
        values["when"] = scheduled_broadcasts.local_label(broadcast.scheduled_for)
        message = gettext(
            "“%(title)s” is scheduled for %(when)s. It will go via WhatsApp to the subscribers of that moment "
            "(%(count)s today)."
        )
        held_until = scheduled_broadcasts.held_until(broadcast.site, broadcast.scheduled_for, broadcast.urgent)
        if held_until is not None:
            values["start"] = held_until.strftime("%H:%M")
            message += " " + gettext("That is in the quiet hours: it will start at %(start)s, when they end.")
    elif starts_at is not None and not broadcast.urgent:
        values["time"] = starts_at.strftime("%H:%M")
        message = gettext(
            "“%(title)s” will be sent via WhatsApp to %(count)s subscribers at %(time)s, when the quiet hours end."
        )
    else:
        message = gettext("“%(title)s” is being sent via WhatsApp to %(count)s subscribers.")
    return message % values


def budget_refusal(budget):
    only_some = gettext("Only a user with the “exceed budget” permission can send it: ask one, or wait for next month.")
    return f"{budget.reason} {only_some}"


class AcceptCategoryView(PageBroadcastView):
    """POST: the editor accepts the dearer category Meta gave the page's template; broadcasts may use it again."""

    http_method_names = ["post"]

    def post(self, request, page_id):
        template = plan_broadcast(self.page).template
        problem = costs.category_change_problem(template)
        if problem and templates.accept_category_change(template):
            log(
                instance=self.page,
                action=CATEGORY_ACCEPTED_ACTION,
                user=request.user,
                data={"template": template.name, "from": template.previous_category, "to": template.category},
            )
            messages.success(
                request,
                gettext("The new category of “%(name)s” is accepted: broadcasts use it again.")
                % {"name": template.name},
            )
        return redirect("wagtail_whatsapp_admin:broadcast_confirm", page_id=self.page.pk)


class TestSendView(PageBroadcastView):
    http_method_names = ["post"]

    def post(self, request, page_id):
        form = TestSendForm(request.POST)
        if form.is_valid():
            try:
                broadcasts.send_test_message(
                    self.page, form.cleaned_data["number"], media_choice=form.cleaned_data["media"]
                )
            except BroadcastRefused as refused:
                form.add_error("number", refused.reason)
            else:
                messages.success(
                    request,
                    gettext("Test message sent to %(number)s. Check that phone before sending to everyone.")
                    % {"number": form.cleaned_data["number"]},
                )
                url = reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[self.page.pk])
                media = form.cleaned_data["media"]
                return redirect(f"{url}?media={media}" if media else url)
        return self.render_confirmation(test_form=form)
