"""The moderation inbox: one message with its flags and media, and the moderators' actions on it."""

import logging

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.forms import OptionalReasonForm, ReasonForm
from wagtail_whatsapp.admin.views.subscribers import _report_meta_outcome
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.inbound import moderation
from wagtail_whatsapp.models import InboundMessage, Subscriber, WhatsAppSettings
from wagtail_whatsapp.subscribers.blocking import block_subscriber, subscriber_for_sender

logger = logging.getLogger(__name__)

INBOX_INDEX = "wagtail_whatsapp_inboundmessage_modeladmin_index"
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
            "delete_form": ReasonForm(),
            "report_form": OptionalReasonForm(),
            "block_form": OptionalReasonForm(),
            "index_url_name": INBOX_INDEX,
        },
    )


@require_POST
@perms.required(perms.MODERATE_INBOX)
def review(request, pk):
    message = _message(request, pk)
    moderation.mark_reviewed(message, user=request.user)
    messages.success(request, _("Message marked as reviewed."))
    return redirect(INBOX_INDEX)


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
    return redirect(INBOX_INDEX)


@require_POST
@perms.required(perms.MODERATE_INBOX)
def report(request, pk):
    """Mark the message reported and hand the moderator the evidence bundle (a ZIP) to send to the authorities."""
    message = _message(request, pk)
    if message.state == InboundMessage.State.DELETED:
        messages.error(request, _("A deleted message has no content left to report."))
        return redirect(_detail_url(message))
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        return _refuse_reason(request, message, form)
    reason = form.cleaned_data["reason"]
    media = _download(message) if message.media_id else None
    bundle = moderation.report_message(
        message,
        user=request.user,
        reason=reason,
        include_full_number=perms.can_see_numbers(request.user),
        media=media,
    )
    response = HttpResponse(bundle, content_type="application/zip")
    filename = f"whatsapp-evidence-{message.pk}-{timezone.now():%Y%m%d%H%M}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@perms.required(perms.MODERATE_INBOX)
def block_sender(request, pk):
    message = _message(request, pk)
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        return _refuse_reason(request, message, form)
    reason = form.cleaned_data["reason"]
    subscriber = subscriber_for_sender(message)
    outcome = block_subscriber(subscriber, user=request.user, reason=reason, message=message)
    messages.success(request, _("The sender is blocked: they receive nothing and cannot subscribe again."))
    _report_meta_outcome(request, outcome)
    return redirect(_detail_url(message))


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
