"""Keywords → subscribers, consent records and replies. Runs in Huey tasks, one stored message at a time.

What the town promises (service.md): ISCRIVIMI (or "vorrei iscrivermi": inbound/intents.py) subscribes and gets a
welcome with the policy and privacy links; CANCELLAMI unsubscribes at once with a confirmation, and a number that was
not subscribed is told so (or nothing, as the town chooses); the number answers nothing else (an optional notice at
most once every N days); blocked numbers get nothing and cannot re-subscribe. Every subscribe and unsubscribe leaves
a consent record with the message's wamid and text and the policy and privacy revisions live at that moment; a
CANCELLAMI that changes nothing leaves none.

With the double opt-in on (Settings → WhatsApp), ISCRIVIMI only asks: the citizen gets a question with a "SÌ" button
and an "asked to subscribe" consent record, and their "SÌ" within 24 hours subscribes them as ISCRIVIMI otherwise
would. The request's life (what says "SÌ", expiry, CANCELLAMI before the "SÌ") is inbound/confirmations.py's.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q

from wagtail_whatsapp import conf, signals
from wagtail_whatsapp.inbound import confirmations, event_claims, intents, owed_replies, replies, topic_choices
from wagtail_whatsapp.inbound.event_values import TEXT_TYPES
from wagtail_whatsapp.inbound.notify import send_signal
from wagtail_whatsapp.models import (
    BlockedNumber,
    ConsentRecord,
    InboundMessage,
    OptedOutNumber,
    Reply,
    Subscriber,
    WhatsAppSettings,
)
from wagtail_whatsapp.subscribers import identities, opt_outs
from wagtail_whatsapp.subscribers.blocking import is_blocked as is_identity_blocked

logger = logging.getLogger(__name__)

ALREADY_SUBSCRIBED_INTERVAL = datetime.timedelta(days=1)
CONFIRM = "confirm"  # a "SÌ" to the double opt-in's question (stored as a subscribe keyword: not for the inbox)
TOPICS = InboundMessage.Action.TOPICS  # the topics keyword, or a row of the topics list (inbound/topic_choices.py)


def process_pending_messages(pks):
    """Handle each stored, not yet processed message among ``pks`` (claimed first: never handled twice)."""
    pending = InboundMessage.objects.filter(pk__in=pks, processed_at__isnull=True).select_related("site")
    event_claims.handle_claimed(pending.order_by("sent_at", "pk"), handle_message, "message")


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
        subscriber = subscribe(settings, message, subscriber, topics=choice.topics if choice else ())
    elif action == TOPICS:
        choose_topics(settings, message, subscriber, choice)
    elif action == intents.UNSUBSCRIBE:
        unsubscribe(settings, message, subscriber)
    elif action == CONFIRM and (request := confirmations.live_request(site, message)) is not None:
        subscriber = confirm(settings, message, subscriber, request)
    else:
        action = None  # a "SÌ" that answers no question is a message like any other
        maybe_send_notice(settings, message, subscriber)

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
    others = _others_from_sender(message)
    if others is None:
        return False
    later = others.filter(
        sent_at__gt=message.sent_at,
        processed_at__isnull=False,
        keyword_action__in=[intents.SUBSCRIBE, intents.UNSUBSCRIBE],
    )
    return later.exists()


def _others_from_sender(message):
    """The site's other stored messages from ``message``'s sender; None when the sender has no number nor user id."""
    if message.phone_number:
        sender = Q(phone_number=message.phone_number)
    elif message.wa_user_id:
        sender = Q(wa_user_id=message.wa_user_id)
    else:
        return None
    return InboundMessage.objects.filter(sender, site_id=message.site_id).exclude(pk=message.pk)


def _consent(settings, action, subscriber, message, note=""):
    return ConsentRecord.for_message(settings, action, message, subscriber, note)


def is_blocked(settings, message, subscriber):
    """Blocked senders get nothing: a blocked subscriber, or a citizen erased (GDPR) while blocked, kept as hashes of
    the number and the user id (whichever the message carries)."""
    if subscriber is not None and subscriber.status == Subscriber.Status.BLOCKED:
        return True
    return is_identity_blocked(settings.site, message.phone_number, message.wa_user_id)


def subscribe(settings, message, subscriber, topics=()):
    """ISCRIVIMI: create or reactivate the subscriber and welcome them (with the double opt-in: ask first); returns
    the subscriber. ``topics`` ("ISCRIVIMI EVENTI") join the citizen's choice; with the double opt-in they are not
    kept while the request waits (it holds nothing of the citizen): the welcome tells how to choose them."""
    if is_blocked(settings, message, subscriber):
        logger.info("WhatsApp: a blocked number tried to subscribe; no answer (%s)", message.wamid)
        return subscriber
    if subscriber is not None and subscriber.status == Subscriber.Status.ACTIVE:
        if topics:
            choose_topics(settings, message, subscriber, topic_choices.Choice(topic_choices.SUBSCRIBE, topics))
        else:
            _answer_already_subscribed(settings, message, subscriber)
        return subscriber
    if not (message.phone_number or message.wa_user_id):
        logger.warning("WhatsApp: subscribe keyword from a sender without number or user id (%s)", message.wamid)
        return subscriber
    if settings.double_opt_in:
        confirmations.ask(settings, message, subscriber)
        return subscriber
    return join(settings, message, subscriber, topics=topics)


def confirm(settings, message, subscriber, request):
    """A "SÌ" to the question of a live ``request``: subscribe exactly as ISCRIVIMI without the double opt-in does."""
    if is_blocked(settings, message, subscriber):
        confirmations.withdraw(request, confirmations.BLOCKED_NOTE)
        return subscriber
    if subscriber is not None and subscriber.status == Subscriber.Status.ACTIVE:
        with transaction.atomic():  # subscribed meanwhile (an import): nothing left to confirm
            confirmations.close(request, subscriber)
        return subscriber
    note = f"Confirmed the subscription request of {request.asked_at:%Y-%m-%d %H:%M} UTC (double opt-in)."
    return join(settings, message, subscriber, request=request, note=note)


def join(settings, message, subscriber, *, request=None, note="", topics=()):
    """Create or reactivate the subscriber, log the consent and owe the welcome; returns the subscriber."""
    reactivated = subscriber is not None
    try:
        with transaction.atomic():
            if subscriber is None:
                subscriber = Subscriber(
                    site=settings.site,
                    phone_number=message.phone_number,
                    wa_user_id=message.wa_user_id,
                    profile_name=message.profile_name if conf.get("STORE_PROFILE_NAMES") else "",
                    last_inbound_at=message.sent_at,
                    source=Subscriber.Source.WHATSAPP,
                )
            subscriber.status = Subscriber.Status.ACTIVE
            subscriber.subscribed_at = message.sent_at
            subscriber.unsubscribed_at = None
            subscriber.save()
            consent = _consent(settings, ConsentRecord.Action.SUBSCRIBE, subscriber, message, note)
            if topics:
                topic_choices.change(
                    settings, message, subscriber, topic_choices.Choice(topic_choices.SUBSCRIBE, topics)
                )
            if request is not None:
                confirmations.close(request, subscriber)
            # Owed in the same transaction: a worker dying before the send leaves a reply to send, never a subscriber
            # without the welcome that carries the policy and privacy links.
            welcome = owed_replies.owe(settings, Reply.Kind.WELCOME, message, subscriber)
            # Their own ISCRIVIMI is a fresh consent: an earlier opt-out no longer stands in the way of imports.
            opt_outs.forget_opt_out(settings.site, subscriber.phone_number, subscriber.wa_user_id)
    except IntegrityError:
        # The same citizen's second message, processed at the same moment by another worker, got there first.
        return find_subscriber(settings.site, message.phone_number, message.wa_user_id)

    if not (replies.page_url(settings.policy_page) and replies.page_url(settings.privacy_page)):
        logger.warning("WhatsApp: welcome sent without policy or privacy link; set both in Settings → WhatsApp")
    owed_replies.queue(welcome)
    details = {"subscriber": subscriber, "site": settings.site, "consent": consent, "reactivated": reactivated}
    send_signal(signals.subscribed, Subscriber, **details)
    return subscriber


def _answer_already_subscribed(settings, message, subscriber):
    last = subscriber.last_already_subscribed_reply_at
    if last is not None and message.sent_at - last < ALREADY_SUBSCRIBED_INTERVAL:
        return
    with transaction.atomic():
        subscriber.last_already_subscribed_reply_at = message.sent_at
        subscriber.save(update_fields=["last_already_subscribed_reply_at", "updated_at"])
        reply = owed_replies.owe(settings, Reply.Kind.ALREADY_SUBSCRIBED, message, subscriber)
    owed_replies.queue(reply)


def choose_topics(settings, message, subscriber, choice):
    """A subscriber's topics keyword gets the list; a row picked in it, or "ISCRIVIMI EVENTI" from a subscriber,
    changes their choice (in the consent log) and gets the confirmation of what they receive now."""
    with transaction.atomic():
        if choice.action == topic_choices.SHOW_LIST:
            reply = owed_replies.owe(settings, Reply.Kind.TOPICS_LIST, message, subscriber)
        else:
            topic_choices.change(settings, message, subscriber, choice)
            reply = owed_replies.owe(settings, Reply.Kind.TOPICS_CHOSEN, message, subscriber)
    owed_replies.queue(reply)


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
        consent = _consent(settings, ConsentRecord.Action.UNSUBSCRIBE, subscriber, message)
        goodbye = owed_replies.owe(settings, Reply.Kind.GOODBYE, message, subscriber)
    owed_replies.queue(goodbye)
    send_signal(signals.unsubscribed, Subscriber, subscriber=subscriber, site=settings.site, consent=consent)


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
        others = _others_from_sender(message)
        if others is None or others.filter(sent_at__gte=message.sent_at - interval).exists():
            return
    with transaction.atomic():
        if subscriber is not None:
            subscriber.last_notice_at = message.sent_at
            subscriber.save(update_fields=["last_notice_at", "updated_at"])
        notice = owed_replies.owe(settings, Reply.Kind.NOTICE, message, subscriber)
    owed_replies.queue(notice)


def apply_preference_change(preference):
    """A ``user_preferences`` stop/resume (marketing messages), recorded on the subscriber; older news is ignored."""
    subscriber = Subscriber.objects.filter(pk=preference["subscriber_id"]).first()
    if subscriber is None:
        return  # erased meanwhile
    at = preference["timestamp"]
    if subscriber.preferences_changed_at is not None and at <= subscriber.preferences_changed_at:
        return
    subscriber.marketing_stopped = preference["value"] == "stop"
    subscriber.preferences_changed_at = at
    subscriber.save(update_fields=["marketing_stopped", "preferences_changed_at", "updated_at"])
