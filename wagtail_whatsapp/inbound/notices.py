"""The optional "this number does not answer" notice (Settings → WhatsApp): the one reply to a message that is no
keyword, at most once every N days per sender, never to a blocked one. Called by keyword_dispatch.py."""

import datetime

from django.db import transaction

from wagtail_whatsapp.inbound import owed_replies
from wagtail_whatsapp.inbound.citizens import is_blocked, others_from_sender
from wagtail_whatsapp.models import Reply


def maybe_send_notice(settings, message, subscriber):
    """The optional "this number does not answer" notice, at most once every N days per sender."""
    if not settings.notice_enabled or not settings.notice_message.strip():
        return
    if is_blocked(settings, message, subscriber):
        return
    interval = datetime.timedelta(days=max(settings.notice_interval_days, 1))
    if subscriber is not None:
        if subscriber.last_notice_at is not None and message.sent_at - subscriber.last_notice_at < interval:
            return
    else:
        # No subscriber row to remember the notice on (and none is created for a stranger): a notice goes out only
        # when this sender wrote nothing in the previous N days, so two notices are always N days apart.
        others = others_from_sender(message)
        if others is None or others.filter(sent_at__gte=message.sent_at - interval).exists():
            return
    with transaction.atomic():
        if subscriber is not None:
            subscriber.last_notice_at = message.sent_at
            subscriber.save(update_fields=["last_notice_at", "updated_at"])
        notice = owed_replies.owe(settings, Reply.Kind.NOTICE, message, subscriber)
    owed_replies.queue(notice)
