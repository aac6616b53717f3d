"""Builders of plugin rows for admin tests (subscribers, inbox messages, broadcasts)."""

import itertools
from datetime import timedelta

from django.utils import timezone

from wagtail_whatsapp.models import Broadcast, ConsentRecord, Delivery, InboundMessage, Subscriber

_wamids = itertools.count(1)


def make_subscriber(site, number="+393481234511", status=Subscriber.Status.ACTIVE, **fields):
    now = timezone.now()
    subscriber = Subscriber.objects.create(
        site=site,
        phone_number=number,
        wa_user_id=fields.pop("wa_user_id", number.lstrip("+")),
        status=status,
        subscribed_at=fields.pop("subscribed_at", now - timedelta(days=10)),
        **fields,
    )
    ConsentRecord.objects.create(
        site=site,
        subscriber=subscriber,
        action=ConsentRecord.Action.SUBSCRIBE,
        created_at=subscriber.subscribed_at or now,
        phone_number=number,
        wa_user_id=subscriber.wa_user_id,
        message_wamid=f"wamid.sub{next(_wamids)}",
        message_text="ISCRIVIMI",
    )
    return subscriber


def make_message(site, text="Buongiorno", number="+393481234511", subscriber=None, **fields):
    return InboundMessage.objects.create(
        site=site,
        subscriber=subscriber,
        wamid=f"wamid.in{next(_wamids)}",
        phone_number=number,
        wa_user_id=number.lstrip("+"),
        profile_name=fields.pop("profile_name", "Mario"),
        message_type=fields.pop("message_type", "text"),
        text=text,
        sent_at=fields.pop("sent_at", timezone.now() - timedelta(minutes=5)),
        **fields,
    )


def make_broadcast(site, subscribers, statuses):
    broadcast = Broadcast.objects.create(
        site=site, title="Strada chiusa", message="Via Roma chiusa", recipients_count=len(subscribers)
    )
    for subscriber, status in zip(subscribers, statuses, strict=True):
        Delivery.objects.create(
            broadcast=broadcast, subscriber=subscriber, status=status, wamid=f"wamid.out{next(_wamids)}"
        )
    return broadcast
