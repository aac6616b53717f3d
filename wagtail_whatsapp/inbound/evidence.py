"""The evidence bundle of a reported message (service.md §9): what a moderator hands to Meta or the authorities.

A ZIP with ``evidence.json`` (every field, times in UTC, for machines), ``evidence.txt`` (the same for the person who
reads it: in the site's language, times in the site's time zone with the zone named) and the media while WhatsApp
still has it. The bundle describes the message as stored: who reported it, when and why are its moderation fields;
who downloads the bundle and when are added. The full number, and Meta's message id that spells it out, go in only
for someone allowed to see numbers.
"""

import io
import json
import zipfile

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from wagtail_whatsapp import conf
from wagtail_whatsapp.models import WhatsAppSettings
from wagtail_whatsapp.numbers import mask_number, mask_user_id


def evidence_archive(messages, *, downloaded_by, include_full_number=False, media_of=lambda message: None):
    """One ZIP for reported ``messages``: one message's files at the top, several in a folder each.
    ``media_of(message)`` is ``(bytes, mime_type)`` when the media could be downloaded, else None."""
    messages = list(messages)
    downloaded_at = timezone.now()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for message in messages:
            with translation.override(conf.site_language()):
                folder = _("message-%(pk)s/") % {"pk": message.pk} if len(messages) > 1 else ""
            files = _evidence_files(message, downloaded_by, downloaded_at, include_full_number, media_of(message))
            for name, content in files.items():
                archive.writestr(folder + name, content)
    return buffer.getvalue()


def _evidence_files(message, downloaded_by, downloaded_at, include_full_number, media):
    sender = {
        "phone_number": message.phone_number if include_full_number else mask_number(message.phone_number),
        # Meta's wamid encodes the sender's number, and the user id reaches them like one: both only with the number.
        "whatsapp_user_id": message.wa_user_id if include_full_number else mask_user_id(message.wa_user_id),
        "profile_name": message.profile_name,
    }
    wamid = message.wamid if include_full_number else ""
    media_name = ""
    if media:
        content, mime_type = media
        extension = (mime_type or "application/octet-stream").split("/")[-1].split(";")[0] or "bin"
        media_name = f"media.{extension}"
    files = {
        "evidence.json": json.dumps(
            _evidence_data(message, sender, wamid, downloaded_by, downloaded_at, include_full_number),
            indent=2,
            ensure_ascii=False,
        ),
        "evidence.txt": evidence_text(message, sender, wamid, downloaded_by, downloaded_at, media_name),
    }
    if media_name:
        files[media_name] = media[0]
    return files


def _evidence_data(message, sender, wamid, downloaded_by, downloaded_at, include_full_number):
    reporter = message.moderated_by
    return {
        "service": WhatsAppSettings.for_site(message.site).get_service_name(),
        "site": message.site.hostname,
        "message": {
            "wamid": wamid,
            "type": message.message_type,
            "text": message.text,
            "media_id": message.media_id,
            "media_mime_type": message.media_mime_type,
            "sent_at": message.sent_at.isoformat(),
            "received_at": message.received_at.isoformat() if message.received_at else None,
            "flags": message.flags,
            "payload_as_received": message.payload if include_full_number else {},
        },
        "sender": sender,
        "reported_by": (
            {"username": reporter.get_username(), "name": reporter.get_full_name(), "email": reporter.email}
            if reporter
            else None
        ),
        "reported_at": message.moderated_at.isoformat() if message.moderated_at else None,
        "reason": message.moderation_note,
        "downloaded_by": downloaded_by.get_username(),
        "downloaded_at": downloaded_at.isoformat(),
    }


def evidence_text(message, sender, wamid, downloaded_by, downloaded_at, media_name=""):
    """``evidence.txt``: what a police officer or Meta's reviewer reads first, in the site's language."""
    with translation.override(conf.site_language()):
        number = sender["phone_number"] or sender["whatsapp_user_id"]
        if sender["profile_name"]:
            number = _("%(number)s (name on their WhatsApp profile: %(name)s)") % {
                "number": number,
                "name": sender["profile_name"],
            }
        service = WhatsAppSettings.for_site(message.site).get_service_name()
        lines = [
            _("Reported WhatsApp message"),
            "",
            _("Service: %(service)s (%(site)s)") % {"service": service, "site": message.site.hostname}
            if service != message.site.hostname
            else _("Service: %(service)s") % {"service": service},
            _("WhatsApp message ID: %(wamid)s") % {"wamid": wamid}
            if wamid
            else _("Message number in the inbox: %(pk)s") % {"pk": message.pk},
            _("Sender: %(sender)s") % {"sender": number},
            _("Sent: %(time)s") % {"time": local_time(message.sent_at)},
        ]
        if message.received_at:
            lines.append(_("Received: %(time)s") % {"time": local_time(message.received_at)})
        lines.append(_("Type: %(type)s") % {"type": message.type_label})
        if message.flags:
            lines.append(_("Flagged by the automatic check: %(reasons)s") % {"reasons": message.flag_reasons})
        if message.media_id:
            lines.append(
                _("Attachment: %(file)s") % {"file": media_name}
                if media_name
                else _("Attachment: no longer available from WhatsApp")
            )
        lines += ["", _("Text:"), message.text or _("(no text)"), ""]
        lines.append(
            _("Reported by %(user)s on %(time)s")
            % {"user": _person(message.moderated_by), "time": local_time(message.moderated_at)}
        )
        lines.append(_("Reason: %(reason)s") % {"reason": message.moderation_note or _("none given")})
        lines.append(
            _("Bundle downloaded by %(user)s on %(time)s")
            % {"user": _person(downloaded_by), "time": local_time(downloaded_at)}
        )
        if not wamid:
            lines.append(_("The sender's number is masked: a user allowed to see numbers downloads it in full."))
        return "\n".join(lines) + "\n"


def local_time(moment):
    """``moment`` in the site's time zone, in the language's short form, with the zone and its offset from UTC:
    "01/12/2026 09:15 CET (UTC+01:00)". A time read by someone else, elsewhere, later, says which clock it is on."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    offset = local.strftime("%z")
    return f"{date_format(local, 'SHORT_DATETIME_FORMAT')} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def _person(user):
    if user is None:
        return _("a user since removed")
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()
