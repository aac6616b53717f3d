"""Double opt-in: a citizen's ISCRIVIMI waits for their "SÌ" as a ``SubscriptionRequest``, and leaves nothing behind
when the "SÌ" never comes.

``keyword_dispatch.py`` reads what a message asks and finds the ``live_request`` a "SÌ" answers; ``subscribing.py``
calls ``ask`` and ``close`` (the "SÌ" subscribes there, as ISCRIVIMI does), ``unsubscribing.py`` ``withdraw_for``
(CANCELLAMI); this module keeps the request's life:

    ISCRIVIMI ──remember──▶ request (keyed hashes only) ──"SÌ" within 24 h──▶ close: the subscriber's now
                                 │
                                 └── 24 hours without "SÌ", or CANCELLAMI ──withdraw──▶ gone, with its messages,
                                     the questions sent and their statuses; its consent records anonymised

What says "SÌ" (``says_yes``): the question's button as Meta sends its reply (an ``interactive`` ``button_reply``
with the button's id), a template's quick-reply button (type ``button``), or "SI", "Sì", "si!" typed.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import Q

from wagtail_whatsapp.inbound import intents, owed_replies
from wagtail_whatsapp.inbound.event_values import as_dict
from wagtail_whatsapp.inbound.replies import CONFIRM_BUTTON
from wagtail_whatsapp.models import (
    ConsentRecord,
    InboundMessage,
    Reply,
    SandboxMessage,
    StatusUpdate,
    SubscriptionRequest,
)
from wagtail_whatsapp.subscribers import forgetting, identities

logger = logging.getLogger(__name__)

# Typed answers that confirm, folded (intents.fold: no case, accents, punctuation; a letter typed twice once).
YES = frozenset({"si", "si confermo", "confermo", "si grazie", "si certo"})
EXPIRED_NOTE = "Subscription request not confirmed within 24 hours: the citizen's data was removed."
WITHDRAWN_NOTE = "Subscription request withdrawn with the unsubscribe keyword: the citizen's data was removed."
BLOCKED_NOTE = "Subscription request of a blocked number, not confirmed: the citizen's data was removed."
EXPIRY_BATCH = 500


def says_yes(message):
    """True when a stored message answers "SÌ" (see the module's docstring); reads no table."""
    payload = as_dict(message.payload)
    if message.message_type == "interactive":
        # Only this question's button: a list or another button titled "Sì" answers something else.
        return as_dict(as_dict(payload.get("interactive")).get("button_reply")).get("id") == CONFIRM_BUTTON.id
    if message.message_type == "button" and as_dict(payload.get("button")).get("payload") == CONFIRM_BUTTON.id:
        return True
    return message.message_type in ("text", "button") and intents.fold(message.text) in YES


def _hashes(message):
    number = identities.number_hash(message.phone_number) if message.phone_number else ""
    user_id = identities.user_id_hash(message.wa_user_id) if message.wa_user_id else ""
    return number, user_id


def request_of(site, message):
    """The site's request of the citizen who wrote ``message`` (by number or user id), or None."""
    return SubscriptionRequest.objects.for_identity_hashes(site, *_hashes(message)).order_by("asked_at").first()


def ask(settings, message, subscriber=None):
    """ISCRIVIMI with the double opt-in on: remember the request, log it ("asked to subscribe") and owe the question
    with its "SÌ" button. ``subscriber`` is a former subscriber coming back, or None."""
    try:
        with transaction.atomic():
            remember(settings.site, message)
            ConsentRecord.for_message(settings, ConsentRecord.Action.REQUEST, message, subscriber)
            question = owed_replies.owe(settings, Reply.Kind.CONFIRMATION, message, subscriber)
    except IntegrityError:
        # The same citizen's other ISCRIVIMI, handled at the same moment by another worker, asked already.
        logger.info("WhatsApp: subscription request %s asked already by a concurrent message", message.pk)
        return
    owed_replies.queue(question)


def remember(site, message):
    """Record that ``message`` (an ISCRIVIMI) asks to subscribe; call inside the transaction that logs it. A request
    still running takes the message on (it asks again, without living longer); an expired one is withdrawn first."""
    number_hash, user_id_hash = _hashes(message)
    request = request_of(site, message)
    if request is not None and message.sent_at >= request.expires_at:
        withdraw(request, EXPIRED_NOTE)
        request = None
    if request is None:
        request = SubscriptionRequest.objects.create(
            site=site, number_hash=number_hash, user_id_hash=user_id_hash, asked_at=message.sent_at
        )
    elif (number_hash and not request.number_hash) or (user_id_hash and not request.user_id_hash):
        # The citizen is known by one more identity now: a "SÌ" carrying only that one still finds the request.
        request.number_hash = request.number_hash or number_hash
        request.user_id_hash = request.user_id_hash or user_id_hash
        request.save(update_fields=["number_hash", "user_id_hash"])
    request.messages.add(message)
    return request


def live_request(site, message):
    """The request a "SÌ" in ``message`` confirms: the citizen's, written to within its 24 hours; else None."""
    request = request_of(site, message)
    if request is None or not request.asked_at <= message.sent_at < request.expires_at:
        return None
    return request


def answers_a_question(site, message):
    """True when ``message`` is a "SÌ" to a live request. Read at ingest too, so that such a message never appears in
    the moderators' inbox, not even before its task confirms the subscription."""
    return says_yes(message) and live_request(site, message) is not None


def close(request, subscriber):
    """The request was confirmed: its messages are the subscriber's now, and the request itself goes. Call inside the
    transaction that subscribes."""
    InboundMessage.objects.filter(pk__in=request.messages.values("pk"), subscriber__isnull=True).update(
        subscriber=subscriber
    )
    # The "asked to subscribe" consent records stay as written: the log is append-only, and the subscriber's now.
    request.delete()


def withdraw_for(site, message, note=WITHDRAWN_NOTE):
    """CANCELLAMI before the "SÌ": the citizen's request goes. True when there was one."""
    request = request_of(site, message)
    if request is None:
        return False
    withdraw(request, note)
    return True


def withdraw(request, note):
    """Remove a request not confirmed and everything that names its citizen: the ISCRIVIMI messages, the questions
    sent (Meta's wamid spells the number out) and their status webhooks, the sandbox's copies; the "asked to
    subscribe" consent records keep only their action, time and ``note``."""
    with transaction.atomic():
        messages = list(InboundMessage.objects.filter(pk__in=request.messages.values("pk")).values_list("pk", "wamid"))
        message_ids = [pk for pk, _wamid in messages]
        wamids = {wamid for _pk, wamid in messages}
        questions = Reply.objects.filter(message__pk__in=message_ids)
        question_wamids = set(questions.exclude(wamid="").values_list("wamid", flat=True))
        callbacks = [question.callback_data for question in questions]
        for record in ConsentRecord.objects.filter(
            site_id=request.site_id, action=ConsentRecord.Action.REQUEST, message_wamid__in=wamids
        ):
            record.phone_number = record.wa_user_id = record.message_wamid = record.message_text = ""
            record.subscriber = None
            record.note = note
            record.save(allow_anonymise=True)
        StatusUpdate.objects.filter(Q(wamid__in=question_wamids) | Q(callback_data__in=callbacks)).delete()
        SandboxMessage.objects.filter(wamid__in=wamids | question_wamids).delete()
        questions.delete()
        InboundMessage.objects.filter(pk__in=message_ids).delete()
        forgetting.forget_log_entries(InboundMessage, message_ids)
        request.delete()


def expire_requests(now=None):
    """Withdraw every request whose 24 hours are over (the periodic task in inbound/tasks.py). Returns how many."""
    expired = list(SubscriptionRequest.objects.expired(now).order_by("asked_at")[:EXPIRY_BATCH])
    for request in expired:
        withdraw(request, EXPIRED_NOTE)
    if expired:
        logger.info("WhatsApp: %s subscription requests expired unconfirmed and were removed", len(expired))
    return len(expired)
