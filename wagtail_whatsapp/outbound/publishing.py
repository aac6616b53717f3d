"""Publishing with "Send via WhatsApp when published" ticked queues a broadcast.

The receiver listens to Wagtail's ``page_published`` signal rather than to the editor's "Publish" button, so scheduled
publishing (``publish_scheduled``) and workflow approvals send too. It asks the engine for at most one broadcast per
revision: re-publishing the same revision (e.g. from the revisions list) never sends twice.
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

logger = logging.getLogger(__name__)

REFUSED_ACTION = "wagtail_whatsapp.broadcast_refused"


def register_log_actions(actions):
    actions.register_action(REFUSED_ACTION, _("WhatsApp broadcast not sent"), _("WhatsApp broadcast not sent"))


def queue_broadcast_on_publish(sender, instance, revision=None, alias=False, **kwargs):
    """``page_published`` receiver. Aliases share the original's content: only the original page is sent."""
    if alias or not isinstance(instance, WhatsAppBroadcastMixin) or not instance.whatsapp_send_on_publish:
        return
    from wagtail_whatsapp.outbound import broadcasts  # the engine; imported late so that the signal module stays light

    user = getattr(revision, "user", None)  # whoever saved the ticked version (for scheduled publishing too)
    try:
        if user is not None and not permissions.has(user, permissions.SEND_BROADCAST):
            # The tick was carried over from an earlier version by someone who may not send: never send on their say.
            raise broadcasts.BroadcastRefused(
                gettext("%(user)s may not send pages via WhatsApp.") % {"user": user.get_username()}
            )
        broadcast = broadcasts.start_broadcast(instance, user=user, revision=revision, once_per_revision=True)
    except broadcasts.BroadcastRefused as refused:
        # Not an error for the publishing itself: the page is live; the editor learns why in the page history
        # and, when publishing from the editor, in a message.
        logger.warning("Page %s published but not sent via WhatsApp: %s", instance.pk, refused.reason)
        log(
            instance=instance,
            action=REFUSED_ACTION,
            user=user,
            revision=revision,
            data={"reason": str(refused.reason)},
        )
        return
    if broadcast is None:
        logger.info("Page %s revision %s was already sent via WhatsApp", instance.pk, getattr(revision, "pk", None))


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
