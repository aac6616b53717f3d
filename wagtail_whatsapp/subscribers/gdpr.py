"""Requests of one citizen about their number (GDPR art. 15 and 17): export everything held, or erase it.

Erasure deletes the subscriber row and the messages, unlinks deliveries and anonymises the consent log. Only what is
needed to honour a block survives: a keyed hash of the number (blocking.BlockedNumber). An "erase" consent record,
without the number, says when and by whom it was done.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from wagtail_whatsapp.models import (
    BlockedNumber,
    ConsentRecord,
    Delivery,
    InboundMessage,
    SandboxMessage,
    StatusUpdate,
    Subscriber,
)
from wagtail_whatsapp.numbers import normalise_number
from wagtail_whatsapp.subscribers.blocking import is_number_blocked, number_hash


def _iso(value):
    return value.isoformat() if value else None


def _records(number, site):
    subscribers = list(Subscriber.objects.filter(site=site, phone_number=number))
    user_ids = [s.wa_user_id for s in subscribers if s.wa_user_id]
    consent = ConsentRecord.objects.filter(site=site).filter(
        Q(phone_number=number) | Q(subscriber__in=subscribers) | Q(wa_user_id__in=user_ids)
    )
    messages = InboundMessage.objects.filter(site=site).filter(
        Q(phone_number=number) | Q(subscriber__in=subscribers) | Q(wa_user_id__in=user_ids)
    )
    deliveries = Delivery.objects.filter(subscriber__in=subscribers).select_related("broadcast")
    return subscribers, consent, messages, deliveries


def export_number(site, raw_number):
    """All data held about one number on one site, as a JSON-serialisable dict (GDPR art. 15)."""
    number = normalise_number(raw_number)
    subscribers, consent, messages, deliveries = _records(number, site)
    return {
        "number": number,
        "site": site.hostname,
        "exported_at": timezone.now().isoformat(),
        "blocked": is_number_blocked(site, number),
        "subscribers": [
            {
                "phone_number": s.phone_number,
                "whatsapp_user_id": s.wa_user_id,
                "profile_name": s.profile_name,
                "status": s.status,
                "source": s.source,
                "subscribed_at": _iso(s.subscribed_at),
                "unsubscribed_at": _iso(s.unsubscribed_at),
                "last_message_received_at": _iso(s.last_inbound_at),
                "stopped_marketing_messages": s.marketing_stopped,
                "created_at": _iso(s.created_at),
            }
            for s in subscribers
        ],
        "consent_log": [
            {
                "action": r.action,
                "time": _iso(r.created_at),
                "phone_number": r.phone_number,
                "whatsapp_message_id": r.message_wamid,
                "text_received": r.message_text,
                "policy_revision": r.policy_revision_id,
                "privacy_notice_revision": r.privacy_revision_id,
                "note": r.note,
            }
            for r in consent.order_by("created_at", "pk")
        ],
        "messages": [
            {
                "whatsapp_message_id": m.wamid,
                "type": m.message_type,
                "text": m.text,
                "media_id": m.media_id,
                "sent_at": _iso(m.sent_at),
                "state": m.state,
                "flags": m.flags,
            }
            for m in messages.order_by("sent_at", "pk")
        ],
        "deliveries": [
            {
                "broadcast": d.broadcast.title,
                "status": d.status,
                "whatsapp_message_id": d.wamid,
                "sent_at": _iso(d.sent_at),
                "delivered_at": _iso(d.delivered_at),
                "read_at": _iso(d.read_at),
                "failed_at": _iso(d.failed_at),
                "error": d.error_reason,
            }
            for d in deliveries.order_by("created_at", "pk")
        ],
    }


ERASED_LABEL = "erased"


def _forget_log_labels(model, object_ids):
    if object_ids:
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=object_ids
        ).update(label=ERASED_LABEL)


@dataclass
class ErasureResult:
    subscribers: int
    messages: int
    consent_records: int
    deliveries: int
    block_kept: bool


def erase_number(site, raw_number, *, user=None):
    """Erase one number's personal data on one site (GDPR art. 17); keeps only a hash when a block must hold."""
    number = normalise_number(raw_number)
    with transaction.atomic():
        subscribers, consent, messages, deliveries = _records(number, site)
        blocked = is_number_blocked(site, number)
        if blocked:
            BlockedNumber.objects.get_or_create(site=site, number_hash=number_hash(number))
        wa_ids = [s.wa_user_id for s in subscribers if s.wa_user_id]
        consent_rows = list(consent)
        for record in consent_rows:
            record.phone_number = ""
            record.wa_user_id = ""
            record.message_text = ""
            record.message_wamid = ""
            record.subscriber = None
            record.save(allow_anonymise=True)
        message_ids = [str(pk) for pk in messages.values_list("pk", flat=True)]
        message_count = len(message_ids)
        messages.delete()
        # Earlier audit-log lines about this number carried its masked form: keep the lines, drop the label.
        _forget_log_labels(InboundMessage, message_ids)
        _forget_log_labels(Subscriber, [str(s.pk) for s in subscribers])
        delivery_count = deliveries.update(subscriber=None)
        # The raw webhook rows of the same citizen: statuses name the recipient, the sandbox keeps its outbox.
        StatusUpdate.objects.filter(recipient_id__in=[number.lstrip("+"), *wa_ids]).update(recipient_id="")
        SandboxMessage.objects.filter(recipient__in=[number, number.lstrip("+"), *wa_ids]).delete()
        for subscriber in subscribers:
            log(
                subscriber,
                "wagtail_whatsapp.erase",
                user=user,
                title=ERASED_LABEL,
                data={"block_kept": blocked},
                deleted=True,
            )
        Subscriber.objects.filter(pk__in=[s.pk for s in subscribers]).delete()
        ConsentRecord.objects.create(
            site=site,
            action=ConsentRecord.Action.ERASE,
            performed_by=user,
            note="Personal data erased on request (GDPR art. 17)." + (" Block kept as a hash." if blocked else ""),
        )
    return ErasureResult(len(subscribers), message_count, len(consent_rows), delivery_count, blocked)
