"""The inbox as a queue: actions on the messages ticked in the list.

"Mark as reviewed" is done at once (the list is a form, its checkboxes the selection). Delete, report and block are
Wagtail bulk actions (``register_bulk_action``, reached at ``/admin/bulk/wagtail_whatsapp/inboundmessage/<action>/``
through Wagtail's bulk-action bar) with a confirmation page each, because each loses or sends something: the content,
the evidence, the citizen's access.
"""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.bulk_action import BulkAction

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.forms import OptionalReasonForm, ReasonForm
from wagtail_whatsapp.admin.views.inbox import INBOX_INDEX, MAX_SELECTED, block_sender_of, evidence_url
from wagtail_whatsapp.admin.views.query import selected_ids
from wagtail_whatsapp.inbound import moderation
from wagtail_whatsapp.models import InboundMessage, Subscriber
from wagtail_whatsapp.subscribers.blocking import subscriber_for_sender


def _bad_selection(request):
    message = gettext("Tick between 1 and %(max)s messages of the list.") % {"max": MAX_SELECTED}
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _selected(ids):
    return list(InboundMessage.objects.filter(pk__in=ids).select_related("site").order_by("sent_at", "pk"))


@require_POST
@perms.required(perms.MODERATE_INBOX)
def review(request):
    """Mark the ticked messages reviewed, at once: nothing is lost, and a message can be opened again."""
    ids = selected_ids(request.POST.getlist("id"), MAX_SELECTED)
    if ids is None:
        return _bad_selection(request)
    waiting = [message for message in _selected(ids) if message.state == InboundMessage.State.NEW]
    for message in waiting:
        moderation.mark_reviewed(message, user=request.user)
    messages.success(
        request,
        ngettext("%(count)s message marked as reviewed.", "%(count)s messages marked as reviewed.", len(waiting))
        % {"count": len(waiting)},
    )
    return redirect(get_valid_next_url_from_request(request) or INBOX_INDEX)


class InboxBulkAction(BulkAction):
    """A confirmed action on ticked inbox messages: 403 without ``moderate_inbox`` (a forged POST too), 400 for a
    selection that is not a list of message ids. Messages the action cannot apply to are listed apart, untouched."""

    models = [InboundMessage]
    template_name = "wagtail_whatsapp/admin/inbox_bulk_confirm.html"
    form_class = OptionalReasonForm
    # Shown above the list of messages: what the action does and what it costs.
    explanation = ""
    cannot_act_label = ""
    button_label = ""

    def __init__(self, request, model):
        super().__init__(request, model)
        # Wagtail falls back to the action's own address, which needs a selection: the inbox is where to go back.
        self.next_url = get_valid_next_url_from_request(request) or reverse(INBOX_INDEX)

    def dispatch(self, request, *args, **kwargs):
        if not perms.has(request.user, perms.MODERATE_INBOX):
            return perms.forbidden(request)
        self.ids = selected_ids(request.GET.getlist("id"), MAX_SELECTED)
        if self.ids is None:
            return _bad_selection(request)
        return super().dispatch(request, *args, **kwargs)

    def can_act_on(self, message):
        return message.state != InboundMessage.State.DELETED

    def get_actionable_objects(self):
        chosen = _selected(self.ids)
        return (
            [message for message in chosen if self.can_act_on(message)],
            {"items_with_no_access": [message for message in chosen if not self.can_act_on(message)]},
        )

    def object_context(self, message):
        return {
            "item": message,
            "sender": perms.show_number(self.request.user, message.phone_number, message.wa_user_id),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "items_with_no_access": [self.object_context(m) for m in context["items_with_no_access"]],
                "explanation": self.explanation,
                "cannot_act_label": self.cannot_act_label,
                "button_label": self.button_label,
                "button_class": "serious" if "serious" in self.classes else "",
                "header_icon": "mail",
            }
        )
        return context

    def get_execution_context(self):
        return {"user": self.request.user, "reason": self.cleaned_form.cleaned_data["reason"]}


class DeleteMessages(InboxBulkAction):
    display_name = gettext_lazy("Delete…")
    action_type = "delete"
    aria_label = gettext_lazy("Delete the content of the selected messages")
    action_priority = 30
    classes = {"serious"}
    form_class = ReasonForm
    explanation = gettext_lazy(
        "Deleting wipes the text and the attachment for good: nothing is left to report afterwards. If a message may "
        "be evidence of an offence, report it first. A record of who deleted each message, when and why is kept."
    )
    cannot_act_label = gettext_lazy("Already deleted:")
    button_label = gettext_lazy("Delete the content")

    @classmethod
    def execute_action(cls, objects, user=None, reason="", **kwargs):
        for message in objects:
            moderation.delete_message(message, user=user, reason=reason)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext("%(count)s message deleted.", "%(count)s messages deleted.", num_parent_objects) % {
            "count": num_parent_objects
        }


class ReportMessages(InboxBulkAction):
    display_name = gettext_lazy("Report…")
    action_type = "report"
    aria_label = gettext_lazy("Report the selected messages")
    action_priority = 20
    explanation = gettext_lazy(
        "Reporting keeps the messages as evidence for the authorities or Meta: after confirming, download the "
        "evidence (one folder for each message) from the confirmation message."
    )
    cannot_act_label = gettext_lazy("Already reported, or deleted with nothing left to report:")
    button_label = gettext_lazy("Report the messages")

    def can_act_on(self, message):
        # Reporting again would overwrite who reported first, when and why.
        return message.state not in (InboundMessage.State.DELETED, InboundMessage.State.REPORTED)

    @classmethod
    def execute_action(cls, objects, user=None, reason="", **kwargs):
        for message in objects:
            moderation.report_message(message, user=user, reason=reason)
        return len(objects), 0

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.actionable_objects:
            count = len(self.actionable_objects)
            messages.success(
                self.request,
                ngettext("%(count)s message reported.", "%(count)s messages reported.", count) % {"count": count},
                buttons=[messages.button(evidence_url(self.actionable_objects), gettext("Download the evidence"))],
            )
        return response


class BlockSenders(InboxBulkAction):
    display_name = gettext_lazy("Block the senders…")
    action_type = "block"
    aria_label = gettext_lazy("Block the senders of the selected messages")
    action_priority = 40
    classes = {"serious"}
    explanation = gettext_lazy(
        "A blocked sender receives nothing and cannot subscribe again; Meta is asked to block them too when they "
        "wrote in the last 24 hours. The messages stay in the inbox, marked as reviewed."
    )
    cannot_act_label = gettext_lazy("Sender already blocked:")
    button_label = gettext_lazy("Block the senders")

    def can_act_on(self, message):
        lookup = {"phone_number": message.phone_number} if message.phone_number else {"wa_user_id": message.wa_user_id}
        blocked = Subscriber.objects.filter(site=message.site, status=Subscriber.Status.BLOCKED, **lookup)
        return not blocked.exists()

    @classmethod
    def execute_action(cls, objects, user=None, reason="", **kwargs):
        """One block per sender, however many of their messages are ticked; returns (senders, Meta failures)."""
        blocked, meta_failures = set(), 0
        for message in objects:
            subscriber = subscriber_for_sender(message)
            if subscriber.pk in blocked or subscriber.status == Subscriber.Status.BLOCKED:
                if message.state == InboundMessage.State.NEW:
                    moderation.mark_reviewed(message, user=user)
                continue
            outcome = block_sender_of(message, user=user, reason=reason)
            blocked.add(subscriber.pk)
            meta_failures += outcome.meta_called and not outcome.meta_ok
        return len(blocked), meta_failures

    def get_success_message(self, num_parent_objects, num_child_objects):
        text = ngettext("%(count)s sender blocked.", "%(count)s senders blocked.", num_parent_objects) % {
            "count": num_parent_objects
        }
        if num_child_objects:
            text += " " + ngettext(
                "WhatsApp's own block could not be applied to %(count)s of them; the block on this site holds.",
                "WhatsApp's own block could not be applied to %(count)s of them; the block on this site holds.",
                num_child_objects,
            ) % {"count": num_child_objects}
        return text


BULK_ACTIONS = (ReportMessages, DeleteMessages, BlockSenders)
