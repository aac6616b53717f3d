"""The moderation inbox: one message with its flags and media, and the moderators' actions on it."""

import logging
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin import messages

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.forms import OptionalReasonForm, ReasonForm
from wagtail_whatsapp.admin.views.query import selected_ids
from wagtail_whatsapp.admin.views.subscribers import _report_meta_outcome
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.inbound import moderation
from wagtail_whatsapp.inbound.evidence import evidence_archive
from wagtail_whatsapp.models import InboundMessage, Subscriber, WhatsAppSettings
from wagtail_whatsapp.subscribers.blocking import block_subscriber, subscriber_for_sender

logger = logging.getLogger(__name__)

INBOX_INDEX = "wagtail_whatsapp_inboundmessage_modeladmin_index"
# A page of the inbox list: as many messages as one action or one evidence bundle takes.
MAX_SELECTED = 100
# Media that a browser shows in place; anything else is offered as a download, never rendered.
INLINE_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "video/mp4",
    "video/3gpp",
    "audio/ogg",
    "audio/mpeg",
    "audio/aac",
)


def _message(request, pk):
    return get_object_or_404(InboundMessage.objects.select_related("site", "moderated_by"), pk=pk)


def _detail_url(message):
    return reverse("wagtail_whatsapp_admin:inbox_detail", args=[message.pk])


@require_GET
@perms.required(perms.MODERATE_INBOX)
def detail(request, pk):
    message = _message(request, pk)
    sender = None
    if message.phone_number:
        sender = Subscriber.objects.filter(site=message.site, phone_number=message.phone_number).first()
    mime = (message.media_mime_type or "").split(";")[0].strip()
    return TemplateResponse(
        request,
        "wagtail_whatsapp/admin/inbox_detail.html",
        {
            "message": message,
            "sender_number": perms.show_number(request.user, message.phone_number, message.wa_user_id),
            "sender_status": sender.get_status_display() if sender else _("not subscribed"),
            "sender_blocked": bool(sender and sender.status == Subscriber.Status.BLOCKED),
            "media_kind": mime.split("/")[0] if mime in INLINE_TYPES else ("file" if message.media_id else ""),
            "evidence_url": evidence_url([message]) if message.state == InboundMessage.State.REPORTED else "",
            "waiting": InboundMessage.objects.awaiting_review().exclude(pk=message.pk).count(),
            # One page, three reason fields: each its own id, so that each label names its own field.
            "delete_form": ReasonForm(auto_id="id_delete_%s"),
            "report_form": OptionalReasonForm(auto_id="id_report_%s"),
            "block_form": OptionalReasonForm(auto_id="id_block_%s"),
            "index_url_name": INBOX_INDEX,
        },
    )


@require_POST
@perms.required(perms.MODERATE_INBOX)
def review(request, pk):
    message = _message(request, pk)
    # A reported message stays reported, a deleted one deleted: "reviewed" is for what was waiting.
    if message.state == InboundMessage.State.NEW:
        moderation.mark_reviewed(message, user=request.user)
    messages.success(request, _("Message marked as reviewed."))
    return next_in_queue(request, message)


@require_POST
@perms.required(perms.MODERATE_INBOX)
def delete(request, pk):
    message = _message(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the message is deleted."))
        return redirect(_detail_url(message))
    moderation.delete_message(message, user=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, _("Message deleted; a record of who deleted it, when and why is kept."))
    return next_in_queue(request, message)


@require_POST
@perms.required(perms.MODERATE_INBOX)
def report(request, pk):
    """Mark the message reported; its evidence bundle is one click away in the confirmation message."""
    message = _message(request, pk)
    if message.state == InboundMessage.State.DELETED:
        messages.error(request, _("A deleted message has no content left to report."))
        return redirect(_detail_url(message))
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        return _refuse_reason(request, message, form)
    moderation.report_message(message, user=request.user, reason=form.cleaned_data["reason"])
    messages.success(
        request,
        _("Message reported. Download the evidence and send it to the authorities or to Meta."),
        buttons=[messages.button(evidence_url([message]), _("Download the evidence"))],
    )
    return next_in_queue(request, message)


@require_POST
@perms.required(perms.MODERATE_INBOX)
def block_sender(request, pk):
    message = _message(request, pk)
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        return _refuse_reason(request, message, form)
    outcome = block_sender_of(message, user=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, _("The sender is blocked: they receive nothing and cannot subscribe again."))
    _report_meta_outcome(request, outcome)
    return next_in_queue(request, message)


def block_sender_of(message, *, user, reason):
    """Block the sender of ``message``; a message still waiting in the queue has been looked at, so it leaves it."""
    outcome = block_subscriber(subscriber_for_sender(message), user=user, reason=reason, message=message)
    if message.state == InboundMessage.State.NEW:
        moderation.mark_reviewed(message, user=user)
    return outcome


def next_in_queue(request, handled):
    """After an action on a message: the next message awaiting review, oldest first; the inbox when none is left."""
    following = InboundMessage.objects.next_to_review(after=handled)
    if following is None:
        messages.info(request, _("No message is waiting for review."))
        return redirect(INBOX_INDEX)
    return redirect(_detail_url(following))


def evidence_url(reported):
    query = urlencode([("id", message.pk) for message in reported])
    return f"{reverse('wagtail_whatsapp_admin:inbox_evidence')}?{query}"


@require_GET
@perms.required(perms.MODERATE_INBOX)
def evidence(request):
    """The evidence bundle (a ZIP) of reported messages, named by ``?id=``: one message, or a folder for each."""
    ids = selected_ids(request.GET.getlist("id"), MAX_SELECTED)
    if ids is None:
        return HttpResponse(
            _("Choose between 1 and %(max)s messages, by their id.") % {"max": MAX_SELECTED},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    reported = InboundMessage.objects.filter(pk__in=ids, state=InboundMessage.State.REPORTED).order_by("sent_at", "pk")
    reported = list(reported.select_related("site", "moderated_by"))
    if not reported:
        return HttpResponse(
            _("None of these messages is reported: only a reported message has evidence to download."),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    bundle = evidence_archive(
        reported,
        downloaded_by=request.user,
        include_full_number=perms.can_see_numbers(request.user),
        media_of=lambda message: _download(message) if message.media_id else None,
    )
    response = HttpResponse(bundle, content_type="application/zip")
    name = reported[0].pk if len(reported) == 1 else f"{len(reported)}-messages"
    response["Content-Disposition"] = f'attachment; filename="whatsapp-evidence-{name}-{timezone.now():%Y%m%d%H%M}.zip"'
    response["Cache-Control"] = "no-store"
    return response


def _refuse_reason(request, message, form):
    """A reason that cannot be kept (too long, NUL bytes) stops the action: it is not done without its reason."""
    messages.error(request, " ".join(form.errors["reason"]))
    return redirect(_detail_url(message))


def _download(message):
    """``(bytes, mime_type)`` from the backend, or None when the media is gone or the backend cannot fetch it."""
    backend = get_backend(WhatsAppSettings.for_site(message.site).sending_number_id)
    try:
        return backend.download_media(message.media_id)
    except NotImplementedError:
        return None
    except WhatsAppError as exc:
        logger.warning("Media %s of message %s not downloaded: %s", message.media_id, message.pk, exc)
        return None
    finally:
        backend.close()


@require_GET
@perms.required(perms.MODERATE_INBOX)
def media(request, pk):
    """Stream a message's media from WhatsApp: Meta's media URLs live minutes, so the admin fetches on demand."""
    message = _message(request, pk)
    if not message.media_id:
        return HttpResponse(_("This message has no media."), status=404, content_type="text/plain; charset=utf-8")
    downloaded = _download(message)
    if downloaded is None:
        return HttpResponse(
            _("The media is no longer available from WhatsApp."), status=404, content_type="text/plain; charset=utf-8"
        )
    content, mime_type = downloaded
    mime = (mime_type or message.media_mime_type or "application/octet-stream").split(";")[0].strip()
    response = HttpResponse(content, content_type=mime if mime in INLINE_TYPES else "application/octet-stream")
    disposition = "inline" if mime in INLINE_TYPES else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="whatsapp-media-{message.pk}"'
    # Private and short-lived: never cached, never sniffed into something executable.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
