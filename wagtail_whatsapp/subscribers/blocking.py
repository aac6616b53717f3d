"""Blocking senders: the plugin's own block list, with Meta's block_users API as an extra.

Meta blocks only users who wrote in the last 24 hours (whatsapp-cloud-api.md §7), so the local block is what counts:
a blocked number gets nothing and cannot re-subscribe. The block survives erasure as a keyed hash of the number and
of the WhatsApp user id (``BlockedNumber``, see identities.py), never the number itself. The subscription code calls
``is_blocked`` before subscribing.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.models import BlockedNumber, ConsentRecord, Subscriber, WhatsAppSettings
from wagtail_whatsapp.numbers import mask_sender, try_normalise_number
from wagtail_whatsapp.subscribers import identities

logger = logging.getLogger(__name__)


def is_blocked(site, number="", user_id=""):
    """True when the citizen with this number or WhatsApp user id must not be subscribed nor written to on ``site``
    (blocked, even after erasure)."""
    number = try_normalise_number(number) if number else ""
    if not (number or user_id):
        return False
    rows = Subscriber.objects.filter(site=site, status=Subscriber.Status.BLOCKED)
    if number and rows.filter(phone_number=number).exists():
        return True
    if user_id and rows.filter(wa_user_id=user_id).exists():
        return True
    return identities.is_remembered(BlockedNumber, site, number, user_id)


def is_number_blocked(site, number):
    return is_blocked(site, number=number)


@dataclass
class BlockOutcome:
    subscriber: Subscriber
    meta_called: bool = False  # Meta's block_users/unblock_users was asked
    meta_ok: bool = False
    meta_error: str = ""


def _meta_call(subscriber, method_name, now):
    """Ask Meta to (un)block too, but only while the 24-hour window is open: outside it Meta refuses anyway."""
    if not subscriber.in_service_window(now):
        return False, False, ""
    wa_settings = WhatsAppSettings.for_site(subscriber.site)
    backend = get_backend(wa_settings.sending_number_id)
    try:
        result = getattr(backend, method_name)([subscriber.recipient])
    except NotImplementedError:
        return True, False, "not supported by this backend"
    except WhatsAppError as exc:
        logger.warning("%s for %s failed: %s", method_name, subscriber.masked_number, exc)
        return True, False, str(exc)
    finally:
        backend.close()
    if result.failed:
        return True, False, "; ".join(str(error) for error in result.failed.values())
    return True, True, ""


def subscriber_for_sender(message):
    """The Subscriber row of an inbox message's sender, created (not subscribed) when the sender never joined."""
    if message.subscriber_id:
        return message.subscriber
    lookup = {"phone_number": message.phone_number} if message.phone_number else {"wa_user_id": message.wa_user_id}
    subscriber, _created = Subscriber.objects.get_or_create(
        site=message.site,
        **lookup,
        defaults={
            "status": Subscriber.Status.UNSUBSCRIBED,
            "wa_user_id": message.wa_user_id,
            "last_inbound_at": message.sent_at,
        },
    )
    if message.sent_at and (subscriber.last_inbound_at is None or subscriber.last_inbound_at < message.sent_at):
        subscriber.last_inbound_at = message.sent_at
        subscriber.save(update_fields=["last_inbound_at", "updated_at"])
    return subscriber


def block_subscriber(subscriber, *, user=None, reason="", message=None):
    now = timezone.now()
    with transaction.atomic():
        subscriber.status = Subscriber.Status.BLOCKED
        subscriber.save(update_fields=["status", "updated_at"])
        identities.remember(BlockedNumber, subscriber.site, subscriber.phone_number, subscriber.wa_user_id)
        ConsentRecord.objects.create(
            site=subscriber.site,
            subscriber=subscriber,
            action=ConsentRecord.Action.BLOCK,
            phone_number=subscriber.phone_number,
            wa_user_id=subscriber.wa_user_id,
            message_wamid=message.wamid if message else "",
            performed_by=user,
            note=reason,
        )
    outcome = BlockOutcome(subscriber, *_meta_call(subscriber, "block_users", now))
    log(
        subscriber,
        "wagtail_whatsapp.block",
        user=user,
        title=subscriber.masked_number,
        data={"reason": reason, "meta_called": outcome.meta_called, "meta_ok": outcome.meta_ok},
    )
    logger.info("Blocked %s", mask_sender(subscriber.phone_number, subscriber.wa_user_id))
    return outcome


def unblock_subscriber(subscriber, *, user=None, reason=""):
    """Lift a block. The number does not become a subscriber again: the citizen re-joins with the keyword."""
    now = timezone.now()
    with transaction.atomic():
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.save(update_fields=["status", "updated_at"])
        identities.forget(BlockedNumber, subscriber.site, subscriber.phone_number, subscriber.wa_user_id)
        ConsentRecord.objects.create(
            site=subscriber.site,
            subscriber=subscriber,
            action=ConsentRecord.Action.UNBLOCK,
            phone_number=subscriber.phone_number,
            wa_user_id=subscriber.wa_user_id,
            performed_by=user,
            note=reason,
        )
    outcome = BlockOutcome(subscriber, *_meta_call(subscriber, "unblock_users", now))
    log(subscriber, "wagtail_whatsapp.unblock", user=user, title=subscriber.masked_number, data={"reason": reason})
    return outcome
