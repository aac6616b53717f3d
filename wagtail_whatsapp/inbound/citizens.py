"""The citizen behind a stored message: their subscriber row, whether they are blocked, their other messages.

Shared by the keyword dispatch (keyword_dispatch.py), what ISCRIVIMI and CANCELLAMI do (subscribing.py,
unsubscribing.py), the notice (notices.py) and ingest.py, which ties a ``user_preferences`` change to its subscriber.
"""

from django.db.models import Q

from wagtail_whatsapp.models import InboundMessage, Subscriber
from wagtail_whatsapp.subscribers.blocking import is_blocked as is_identity_blocked


def find_subscriber(site, phone_number="", user_id=""):
    """The site's subscriber with this number or business-scoped user id (either may be missing)."""
    condition = Q()
    if phone_number:
        condition |= Q(phone_number=phone_number)
    if user_id:
        condition |= Q(wa_user_id=user_id)
    if not condition:
        return None
    matches = list(Subscriber.objects.filter(condition, site=site).order_by("pk")[:2])
    # Prefer the row holding the number: a user id may be new after a change of number.
    by_number = [s for s in matches if phone_number and s.phone_number == phone_number]
    return (by_number or matches or [None])[0]


def is_blocked(settings, message, subscriber):
    """Blocked senders get nothing: a blocked subscriber, or a citizen erased (GDPR) while blocked, kept as hashes of
    the number and the user id (whichever the message carries)."""
    if subscriber is not None and subscriber.status == Subscriber.Status.BLOCKED:
        return True
    return is_identity_blocked(settings.site, message.phone_number, message.wa_user_id)


def others_from_sender(message):
    """The site's other stored messages from ``message``'s sender; None when the sender has no number nor user id."""
    if message.phone_number:
        sender = Q(phone_number=message.phone_number)
    elif message.wa_user_id:
        sender = Q(wa_user_id=message.wa_user_id)
    else:
        return None
    return InboundMessage.objects.filter(sender, site_id=message.site_id).exclude(pk=message.pk)
