"""CANCELLAMI: the subscriber leaves at once, with a consent record and a confirmation. Called by keyword_dispatch.py.

Someone not subscribed (never, or no longer) is told so and leaves no consent record: nothing changed to prove. Either
way the opt-out is remembered (as hashes, beyond erasure) so that no imported list brings the citizen back, and a
double opt-in request still waiting for its "SÌ" goes at once.
"""

from django.db import transaction

from wagtail_whatsapp import signals
from wagtail_whatsapp.inbound import confirmations, owed_replies
from wagtail_whatsapp.inbound.citizens import is_blocked
from wagtail_whatsapp.inbound.notify import send_signal
from wagtail_whatsapp.models import ConsentRecord, Reply, Subscriber
from wagtail_whatsapp.subscribers import opt_outs


def unsubscribe(settings, message, subscriber):
    """CANCELLAMI: unsubscribe at once and confirm. Someone not subscribed (never, or no longer) is told so, and
    leaves no consent record nor subscriber row: nothing changed to prove."""
    if is_blocked(settings, message, subscriber):
        return
    # A request waiting for its "SÌ" goes at once, with what it holds of the citizen.
    confirmations.withdraw_for(settings.site, message)
    # Remembered as a hash whatever happens next (even erasure): no list brings them back without their consent.
    opt_outs.remember_opt_out(
        settings.site,
        message.phone_number or getattr(subscriber, "phone_number", ""),
        message.wa_user_id or getattr(subscriber, "wa_user_id", ""),
    )
    if subscriber is None or subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        owed_replies.queue(owed_replies.owe(settings, Reply.Kind.NOT_SUBSCRIBED, message, subscriber))
        return
    with transaction.atomic():
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = message.sent_at
        subscriber.save(update_fields=["status", "unsubscribed_at", "updated_at"])
        consent = ConsentRecord.for_message(settings, ConsentRecord.Action.UNSUBSCRIBE, message, subscriber)
        goodbye = owed_replies.owe(settings, Reply.Kind.GOODBYE, message, subscriber)
    owed_replies.queue(goodbye)
    send_signal(signals.unsubscribed, Subscriber, subscriber=subscriber, site=settings.site, consent=consent)
