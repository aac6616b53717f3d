"""ISCRIVIMI and what follows it: a subscriber created or reactivated with a consent record and a welcome, the "SÌ"
of the double opt-in, a subscriber's choice of topics. Called by keyword_dispatch.py, one stored message at a time.

The welcome carries the policy and privacy links; the consent record keeps the message's wamid and text and the
policy and privacy revisions live at that moment. A subscriber's repeated ISCRIVIMI gets the "already subscribed"
reply, at most once a day.

With the double opt-in on (Settings → WhatsApp), ISCRIVIMI only asks: the citizen gets a question with a "SÌ" button
and an "asked to subscribe" consent record, and their "SÌ" within 24 hours subscribes them as ISCRIVIMI otherwise
would. The request's life (what says "SÌ", expiry, CANCELLAMI before the "SÌ") is inbound/confirmations.py's.
"""

import datetime
import logging

from django.db import IntegrityError, transaction

from wagtail_whatsapp import conf, signals
from wagtail_whatsapp.inbound import confirmations, owed_replies, replies, topic_choices
from wagtail_whatsapp.inbound.citizens import find_subscriber, is_blocked
from wagtail_whatsapp.inbound.notify import send_signal
from wagtail_whatsapp.models import ConsentRecord, Reply, Subscriber
from wagtail_whatsapp.subscribers import opt_outs

logger = logging.getLogger(__name__)

ALREADY_SUBSCRIBED_INTERVAL = datetime.timedelta(days=1)


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
            consent = ConsentRecord.for_message(settings, ConsentRecord.Action.SUBSCRIBE, message, subscriber, note)
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
