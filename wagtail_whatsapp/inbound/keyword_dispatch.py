"""Each stored message → what it asks of the site: subscribe, unsubscribe, choose topics, confirm, or nothing (then
at most the notice). Runs in Huey tasks, one stored message at a time.

What the town promises (service.md): ISCRIVIMI (or "vorrei iscrivermi": inbound/intents.py) subscribes and gets a
welcome with the policy and privacy links; CANCELLAMI unsubscribes at once with a confirmation, and a number that was
not subscribed is told so (or nothing, as the town chooses); the number answers nothing else (an optional notice at
most once every N days); blocked numbers get nothing and cannot re-subscribe. Every subscribe and unsubscribe leaves
a consent record with the message's wamid and text and the policy and privacy revisions live at that moment; a
CANCELLAMI that changes nothing leaves none.

This module reads the intent and keeps the order of things (a message already applied, or overtaken by the citizen's
later keyword, changes nothing); the actions are subscribing.py's (ISCRIVIMI, the "SÌ" of the double opt-in, topics),
unsubscribing.py's (CANCELLAMI) and notices.py's (anything else).
"""

import logging

from wagtail_whatsapp import conf, signals
from wagtail_whatsapp.inbound import (
    confirmations,
    event_claims,
    intents,
    notices,
    subscribing,
    topic_choices,
    unsubscribing,
)
from wagtail_whatsapp.inbound.citizens import find_subscriber, others_from_sender
from wagtail_whatsapp.inbound.event_values import TEXT_TYPES
from wagtail_whatsapp.inbound.notify import send_signal
from wagtail_whatsapp.models import (
    BlockedNumber,
    ConsentRecord,
    InboundMessage,
    OptedOutNumber,
    Subscriber,
    WhatsAppSettings,
)
from wagtail_whatsapp.subscribers import identities

logger = logging.getLogger(__name__)

CONFIRM = "confirm"  # a "SÌ" to the double opt-in's question (stored as a subscribe keyword: not for the inbox)
TOPICS = InboundMessage.Action.TOPICS  # the topics keyword, or a row of the topics list (inbound/topic_choices.py)


def process_pending_messages(pks):
    """Handle each stored, not yet processed message among ``pks`` (claimed first: never handled twice)."""
    pending = InboundMessage.objects.filter(pk__in=pks, processed_at__isnull=True).select_related("site")
    event_claims.handle_claimed(pending.order_by("sent_at", "pk"), handle_message, "message")


def _note_contact(subscriber, message):
    """Keep the subscriber's identity and 24-hour window up to date from one of their messages."""
    if subscriber is None:
        return
    changed = []
    if subscriber.last_inbound_at is None or message.sent_at > subscriber.last_inbound_at:
        subscriber.last_inbound_at = message.sent_at
        changed.append("last_inbound_at")
    if message.wa_user_id and not subscriber.wa_user_id:
        subscriber.wa_user_id = message.wa_user_id
        changed.append("wa_user_id")
    if message.phone_number and not subscriber.phone_number:
        subscriber.phone_number = message.phone_number
        changed.append("phone_number")
    if conf.get("STORE_PROFILE_NAMES") and message.profile_name and message.profile_name != subscriber.profile_name:
        subscriber.profile_name = message.profile_name
        changed.append("profile_name")
    if changed:
        subscriber.save(update_fields=[*changed, "updated_at"])


def handle_message(message):
    site = message.site
    settings = WhatsAppSettings.for_site(site)
    subscriber = find_subscriber(site, message.phone_number, message.wa_user_id)
    _note_contact(subscriber, message)
    # A message with both the number and the user id tells that they are the same citizen: a block or an opt-out
    # kept for one (after erasure, only as a hash) holds for the other from now on.
    for kept in (BlockedNumber, OptedOutNumber):
        identities.link_hashes(kept, site, message.phone_number, message.wa_user_id)

    choice = topic_choice_of(settings, message)
    action = _intent(settings, message, choice) or (CONFIRM if confirmations.says_yes(message) else None)
    if action == TOPICS and (subscriber is None or subscriber.status != Subscriber.Status.ACTIVE):
        action = None  # only subscribers choose: anyone else's "ARGOMENTI" is a message like any other
    if action and ConsentRecord.objects.filter(message_wamid=message.wamid).exists():
        # Handled before, by a worker that stopped before marking it done: the consent log already has it.
        logger.info("WhatsApp: keyword message %s was already applied", message.pk)
    elif action in (intents.SUBSCRIBE, intents.UNSUBSCRIBE) and _overtaken(subscriber, message):
        # An older ISCRIVIMI or CANCELLAMI handled late (Meta delivered it out of order, or it is retried after a
        # fault) never undoes what the citizen asked for afterwards.
        logger.info("WhatsApp: keyword message %s is older than the last change; ignored", message.pk)
    elif action == intents.SUBSCRIBE:
        subscriber = subscribing.subscribe(settings, message, subscriber, topics=choice.topics if choice else ())
    elif action == TOPICS:
        subscribing.choose_topics(settings, message, subscriber, choice)
    elif action == intents.UNSUBSCRIBE:
        unsubscribing.unsubscribe(settings, message, subscriber)
    elif action == CONFIRM and (request := confirmations.live_request(site, message)) is not None:
        subscriber = subscribing.confirm(settings, message, subscriber, request)
    else:
        action = None  # a "SÌ" that answers no question is a message like any other
        notices.maybe_send_notice(settings, message, subscriber)

    # Ingest read the intent already (keywords never reach the inbox); the settings may have changed since.
    stored_action = intents.SUBSCRIBE if action == CONFIRM else (action or "")
    changed = message.keyword_action != stored_action or subscriber is not None
    message.keyword_action = stored_action
    if subscriber is not None:
        message.subscriber = subscriber
    if changed:
        message.save(update_fields=["keyword_action", "subscriber"])
    send_signal(signals.message_received, InboundMessage, message=message, site=site, subscriber=subscriber)


def intent_of(settings, message):
    """``intents.SUBSCRIBE``, ``intents.UNSUBSCRIBE``, ``TOPICS`` or None: what a stored message asks of the site."""
    return _intent(settings, message, topic_choice_of(settings, message))


def topic_choice_of(settings, message):
    """The topics and places ``message`` chooses (topic_choices.Choice), or None."""
    return topic_choices.read(settings, message) if message.message_type in TEXT_TYPES else None


def _intent(settings, message, choice):
    if choice is not None:  # "ISCRIVIMI EVENTI" subscribes: the rules of intents.py would send it to the inbox
        return intents.SUBSCRIBE if choice.action == topic_choices.SUBSCRIBE else TOPICS
    if message.message_type not in TEXT_TYPES:
        return None
    return intents.for_settings(settings, message.text)


def _overtaken(subscriber, message):
    """True when the citizen joined or left after ``message`` was written: the subscriber's own times, or a later
    ISCRIVIMI / CANCELLAMI of the same sender already handled (a CANCELLAMI from a non-subscriber leaves no row)."""
    if subscriber is not None:
        changes = [at for at in (subscriber.subscribed_at, subscriber.unsubscribed_at) if at is not None]
        if changes and message.sent_at < max(changes):
            return True
    others = others_from_sender(message)
    if others is None:
        return False
    later = others.filter(
        sent_at__gt=message.sent_at,
        processed_at__isnull=False,
        keyword_action__in=[intents.SUBSCRIBE, intents.UNSUBSCRIBE],
    )
    return later.exists()
