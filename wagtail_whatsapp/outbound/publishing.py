"""Publishing with "Send via WhatsApp when published" ticked queues a broadcast.

The receiver listens to Wagtail's ``page_published`` signal rather than to the editor's "Publish" button, so scheduled
publishing (``publish_scheduled``) and workflow approvals send too. It asks the engine for at most one broadcast per
revision: re-publishing the same revision (e.g. from the revisions list) never sends twice.

Who may have it sent: the person who saved the ticked version; when a workflow approval publishes it, the person who
submitted it for approval or the approver (docs/broadcasting.md, "Publishing through a workflow"). A town's "second
person's approval" works both ways: an editor who may send ticks and submits, a moderator approves (and need not hold
the permission); or an editor who may not send asks for it with the tick (carried over from an earlier version), and
an approver who may send, and sees the ticked box, approves it. When neither may send, or the broadcast is refused
(no template, over budget...), the page is still published, the page's history says why, and the publisher or
approver is told in a message (``report_publish_outcome``, ``report_approval_outcome``).
"""

import logging

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages as admin_messages
from wagtail.log_actions import log

from wagtail_whatsapp import permissions
from wagtail_whatsapp.models import Broadcast, WhatsAppBroadcastMixin
from wagtail_whatsapp.models.page_mixins import REFUSED_ACTION

logger = logging.getLogger(__name__)


def register_log_actions(actions):
    actions.register_action(REFUSED_ACTION, _("WhatsApp broadcast not sent"), _("WhatsApp broadcast not sent"))


def queue_broadcast_on_publish(sender, instance, revision=None, alias=False, **kwargs):
    """``page_published`` receiver. Aliases share the original's content: only the original page is sent."""
    if alias or not isinstance(instance, WhatsAppBroadcastMixin) or not instance.whatsapp_send_on_publish:
        return
    from wagtail_whatsapp.outbound import broadcasts  # the engine; imported late so that the signal module stays light

    # Whoever saved the ticked version (for scheduled publishing too); on a workflow approval, whoever submitted it
    # (the approver may have saved a last version from the editor) and the approver.
    author = getattr(revision, "user", None)
    submitter, approver = workflow_approval(instance, revision)
    author = submitter or author
    user = sending_authority(author, approver)
    try:
        if user is None and (author or approver) is not None:
            # The tick was carried over from an earlier version by someone who may not send, and nobody who may send
            # approved it: never send on their say.
            raise broadcasts.BroadcastRefused(nobody_may_send(author, approver))
        broadcast = broadcasts.start_broadcast(instance, user=user, revision=revision, once_per_revision=True)
    except broadcasts.BroadcastRefused as refused:
        # Not an error for the publishing itself: the page is live; the editor learns why in the page history
        # and, when publishing from the editor, in a message.
        logger.warning("Page %s published but not sent via WhatsApp: %s", instance.pk, refused.reason)
        log(
            instance=instance,
            action=REFUSED_ACTION,
            user=user or approver or author,
            revision=revision,
            data={"reason": str(refused.reason)},
        )
        return
    if broadcast is None:
        logger.info("Page %s revision %s was already sent via WhatsApp", instance.pk, getattr(revision, "pk", None))


def workflow_approval(page, revision):
    """``(submitter, approver)`` of the workflow approval that publishes ``revision`` (approved after it was saved),
    or ``(None, None)``.

    Wagtail publishes an approved page inside ``WorkflowState.finish``, after the last task state recorded who
    approved it; ``page_published`` itself does not say."""
    from wagtail.models import WorkflowState

    if revision is None:
        return None, None
    state = (
        WorkflowState.objects.for_instance(page)
        .filter(status=WorkflowState.STATUS_APPROVED)
        .select_related("requested_by", "current_task_state__finished_by")
        .order_by("-created_at")
        .first()
    )
    task_state = state.current_task_state if state is not None else None
    if task_state is None or task_state.finished_at is None or task_state.finished_at < revision.created_at:
        return None, None  # not an approval of this version (e.g. a later plain publish)
    return state.requested_by, task_state.finished_by


def sending_authority(author, approver):
    """Who the broadcast is sent on behalf of: the version's author if they may send, else the approver if they may;
    None when neither may (or, with neither known, None too: a publish from code, which the caller allows)."""
    for person in (author, approver):
        if person is not None and permissions.has(person, permissions.SEND_BROADCAST):
            return person
    return None


def nobody_may_send(author, approver):
    if author is not None and approver is not None and author != approver:
        return gettext(
            "Neither %(author)s, who asked for it, nor %(approver)s, who approved it, may send pages via WhatsApp."
        ) % {"author": author.get_username(), "approver": approver.get_username()}
    return gettext("%(user)s may not send pages via WhatsApp.") % {"user": (author or approver).get_username()}


def report_publish_outcome(request, page):
    """``after_publish_page`` hook: tell the editor what happened to the WhatsApp broadcast of what they published."""
    specific = page.specific
    if not isinstance(specific, WhatsAppBroadcastMixin) or not specific.whatsapp_send_on_publish:
        return
    revision_id = specific.live_revision_id
    broadcast = Broadcast.objects.filter(page_id=page.pk, revision_id=revision_id).order_by("-created_at").first()
    if broadcast is not None:
        # The link as Wagtail's own message button: a plain link on the green banner was unreadable (contrast).
        report = reverse("wagtail_whatsapp_admin:broadcast_report", args=[broadcast.pk])
        admin_messages.success(
            request,
            ngettext(
                "The page is being sent via WhatsApp to %(count)s subscriber.",
                "The page is being sent via WhatsApp to %(count)s subscribers.",
                broadcast.recipients_count,
            )
            % {"count": broadcast.recipients_count},
            buttons=[admin_messages.button(report, gettext("See the report"))],
        )
        return
    from wagtail.models import PageLogEntry

    refusal = (
        PageLogEntry.objects.filter(page_id=page.pk, action=REFUSED_ACTION, revision_id=revision_id)
        .order_by("-timestamp")
        .first()
    )
    if refusal is not None:
        messages.warning(
            request,
            gettext("The page is published but was NOT sent via WhatsApp: %(reason)s")
            % {"reason": refusal.data.get("reason", "")},
        )


def report_approval_outcome(request, page):
    """``after_edit_page`` hook: an approver who approved from the page editor learns, as a publisher does, whether the
    approval sent the page via WhatsApp, and if not why. (Wagtail's approval dialog has no hook: the page's editor
    panel and history say it there: ``WhatsAppBroadcastMixin.whatsapp_refusal``.)"""
    if not request.POST.get("action-workflow-action"):
        return
    page.refresh_from_db()
    if page.live and page.live_revision_id == page.latest_revision_id and not page.workflow_in_progress:
        report_publish_outcome(request, page)
