"""Subscribers: CSV import, block and unblock (the list is a modeladmin view, see admin/lists/subscribers.py; the
export is in subscriber_export.py)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.forms import OptionalReasonForm, SubscriberImportForm
from wagtail_whatsapp.models import Subscriber
from wagtail_whatsapp.subscribers.blocking import block_subscriber, unblock_subscriber
from wagtail_whatsapp.subscribers.csv_import import ImportFileError, import_subscribers

SUBSCRIBER_INDEX = "wagtail_whatsapp_subscriber_modeladmin_index"  # the modeladmin list (admin/lists/subscribers.py)


def _index_url():
    return SUBSCRIBER_INDEX


@perms.required(perms.MANAGE_SUBSCRIBERS)
def import_csv(request):
    result = None
    bound = request.method == "POST"
    form = SubscriberImportForm(request.POST if bound else None, request.FILES if bound else None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_subscribers(
                form.cleaned_data["site"], upload.read(), user=request.user, filename=upload.name
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "%(imported)s subscriber imported, %(existing)s already subscribed, %(rejected)s rows rejected.",
                    "%(imported)s subscribers imported, %(existing)s already subscribed, %(rejected)s rows rejected.",
                    result.imported,
                )
                % {
                    "imported": result.imported,
                    "existing": result.skipped_existing,
                    "rejected": len(result.errors),
                },
            )
    return TemplateResponse(
        request,
        "wagtail_whatsapp/admin/subscriber_import.html",
        {"form": form, "result": result, "index_url_name": _index_url()},
    )


def _block_view(request, pk, *, block):
    subscriber = get_object_or_404(Subscriber, pk=pk)
    form = OptionalReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if block:
            outcome = block_subscriber(subscriber, user=request.user, reason=reason)
            messages.success(request, _("%(number)s is blocked.") % {"number": subscriber.masked_number})
        else:
            outcome = unblock_subscriber(subscriber, user=request.user, reason=reason)
            messages.success(request, _("%(number)s is no longer blocked.") % {"number": subscriber.masked_number})
        _report_meta_outcome(request, outcome)
        return redirect(_index_url())
    number = perms.show_number(request.user, subscriber.phone_number, subscriber.wa_user_id)
    title = _("Block %(number)s") if block else _("Unblock %(number)s")
    return TemplateResponse(
        request,
        "wagtail_whatsapp/admin/confirm.html",
        {
            "form": form,
            "title": title % {"number": number},
            "explanation": _(
                "A blocked number receives nothing and cannot subscribe again. Meta is asked to block it too when "
                "the person wrote in the last 24 hours."
            )
            if block
            else _("The number can subscribe again by sending the keyword; it is not subscribed automatically."),
            "submit_label": _("Block") if block else _("Unblock"),
            "cancel_url_name": _index_url(),
        },
    )


def _report_meta_outcome(request, outcome):
    if outcome.meta_called and not outcome.meta_ok:
        messages.warning(
            request,
            _("WhatsApp's own block could not be applied (%(error)s); the block on this site holds.")
            % {"error": outcome.meta_error},
        )
    elif outcome.meta_called:
        messages.info(request, _("WhatsApp's own block list was updated too."))


@perms.required(perms.MANAGE_SUBSCRIBERS, perms.MODERATE_INBOX)
def block(request, pk):
    return _block_view(request, pk, block=True)


@perms.required(perms.MANAGE_SUBSCRIBERS, perms.MODERATE_INBOX)
def unblock(request, pk):
    return _block_view(request, pk, block=False)
