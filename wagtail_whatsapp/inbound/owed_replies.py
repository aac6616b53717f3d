"""Replies owed to citizens (welcome, goodbye, "already subscribed", notice, the double opt-in's question with its
"SÌ" button), sent once, retried like broadcasts.

A reply's life, one conditional UPDATE per step (as a broadcast delivery's, outbound/delivery_claims.py):

    pending ──claim──▶ sending ──▶ sent          (its status webhook may settle it first: callback data)
       ▲                  │  └───▶ failed        (refused for this citizen, out of tries, or the 24-hour window closed)
       └── retry later ◀──┤
                          └──▶ in doubt (still "sending", unowned): its status webhook settles it, or after the
                               grace period it is pending again

``owe`` records the reply in the caller's transaction (the one that writes the consent record), so a worker that dies
between the two leaves either both or neither. ``queue`` then asks Huey to send it; the minute's ``send_due_replies``
sends those whose task was lost, whose retry is due, or whose claim a dead worker left behind. Tasks carry the reply's
id, never a number or a text.
"""

import datetime
import logging
import uuid

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from wagtail_whatsapp import conf
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.backoff import retry_delay
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.backends.interactive import list_problem_of, problem_of
from wagtail_whatsapp.inbound import topic_choices
from wagtail_whatsapp.inbound.replies import BUTTONS, fill, reply_context
from wagtail_whatsapp.models import Reply, Subscriber, WhatsAppSettings

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = 10.0  # seconds before the first retry; doubles each attempt (10 s … 21 min in all)
BACKOFF_MAX = 900.0
CLAIM_MARGIN = 5.0  # seconds: the reads and writes around a reply's one call
LOST_AFTER = datetime.timedelta(seconds=30)  # a pending reply older than this, not yet due later, lost its task
DUE_BATCH = 200

TEXTS = {
    Reply.Kind.WELCOME: "welcome_message",
    Reply.Kind.CONFIRMATION: "confirmation_message",
    Reply.Kind.GOODBYE: "goodbye_message",
    Reply.Kind.NOT_SUBSCRIBED: "not_subscribed_message",
    Reply.Kind.ALREADY_SUBSCRIBED: "already_subscribed_message",
    Reply.Kind.NOTICE: "notice_message",
}


def owe(settings, kind, message, subscriber=None):
    """Record that ``message`` gets the ``kind`` reply; call inside the transaction that decided it. None when the
    reply was owed already (the message handled twice) or the town left the text empty."""
    if kind in TEXTS and not getattr(settings, TEXTS[kind]).strip():
        return None  # the topics' list and confirmation have texts of their own (topic_choices.py)
    reply, created = Reply.objects.get_or_create(
        message=message, defaults={"site_id": settings.site_id, "kind": kind, "subscriber": subscriber}
    )
    return reply if created else None


def queue(reply):
    """Ask the consumer to send ``reply`` (after the transaction that owed it is over)."""
    if reply is not None:
        deliver_reply(reply.pk)


@db_task()
def deliver_reply(reply_id):
    send_owed_reply(reply_id)


def claim(reply_id, token):
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        Reply.objects.filter(due, pk=reply_id, status=Reply.Status.PENDING).update(
            status=Reply.Status.SENDING, claim_token=token, claimed_at=now
        )
    )


def send_owed_reply(reply_id):
    """Send one owed reply if it is due and nobody else holds it. True when Meta accepted it now."""
    token = uuid.uuid4().hex
    if not claim(reply_id, token):
        return False
    reply = Reply.objects.select_related("site", "message", "subscriber").get(pk=reply_id)
    mine = Reply.objects.filter(pk=reply_id, status=Reply.Status.SENDING, claim_token=token)
    settings = WhatsAppSettings.for_site(reply.site)
    body = reply_body(settings, reply)
    sections = topic_choices.list_sections(settings) if reply.kind == Reply.Kind.TOPICS_LIST else None
    reason = _unsendable(reply, body, sections)
    if reason:
        _fail(mine, reason)
        return False
    # Still ours right before the call, held from now (a worker slowed past the grace period may have lost it).
    if not mine.update(claimed_at=timezone.now()):
        return False
    backend = get_backend(settings.sending_number_id)
    buttons = BUTTONS.get(reply.kind)
    try:
        if buttons:
            result = backend.send_buttons(reply.recipient, body, buttons, callback_data=reply.callback_data)
        elif sections is not None:
            result = backend.send_list(
                reply.recipient, body, topic_choices.LIST_BUTTON, sections, callback_data=reply.callback_data
            )
        else:
            result = backend.send_text(reply.recipient, body, preview_url=False, callback_data=reply.callback_data)
    except WhatsAppError as error:
        _on_error(reply, mine, error)
        return False
    except Exception as error:  # noqa: BLE001 - a bug or a broken connection: the request may have gone out
        logger.exception("WhatsApp: unexpected error sending reply %s", reply.pk)
        _on_error(reply, mine, WhatsAppError(repr(error), kind=ErrorKind.RETRYABLE, ambiguous=True))
        return False
    finally:
        backend.close()
    mine.update(status=Reply.Status.SENT, wamid=result.wamid, sent_at=timezone.now(), claim_token="")
    Reply.objects.filter(pk=reply_id, wamid="").update(wamid=result.wamid)  # a status webhook came first
    return True


def reply_body(settings, reply):
    """The text of ``reply`` as it goes now: the town's text (the welcome offers the topics, when the site has
    some), or the topics' list and confirmation."""
    if reply.kind == Reply.Kind.TOPICS_LIST:
        return topic_choices.LIST_BODY
    if reply.kind == Reply.Kind.TOPICS_CHOSEN:
        return topic_choices.chosen_text(settings, reply.subscriber)
    body = fill(getattr(settings, TEXTS[reply.kind]), reply_context(settings)).strip()
    if reply.kind == Reply.Kind.WELCOME and body and (offer := topic_choices.welcome_offer(settings)):
        body = f"{body}\n\n{offer}"
    return body


def _unsendable(reply, body, sections=None):
    if not reply.recipient:
        return _("The citizen's number is no longer known (erased).")
    if not Subscriber.window_is_open(reply.asked_at):
        return _("More than 24 hours since the citizen wrote: WhatsApp no longer accepts this reply.")
    if not body:
        return _("The text of this reply is empty in Settings → WhatsApp.")
    if reply.kind in BUTTONS and problem_of(body, BUTTONS[reply.kind]):
        return _("The text of this reply is longer than WhatsApp allows above buttons (1,024 characters).")
    if sections is not None and (not sections or list_problem_of(body, topic_choices.LIST_BUTTON, sections)):
        return _("The topics and places in Settings → WhatsApp do not fit WhatsApp's list (at most 10).")
    return ""


def _fail(mine, reason, code=None, count_attempt=False):
    reply_id = mine.values_list("pk", flat=True).first()
    attempts = F("attempts") + 1 if count_attempt else F("attempts")
    failed = mine.update(
        status=Reply.Status.FAILED,
        failed_at=timezone.now(),
        claim_token="",
        error_code=code,
        error_reason=reason[:500],
        attempts=attempts,
    )
    if failed:
        logger.warning("WhatsApp: reply %s not sent: %s", reply_id, reason)


def _on_error(reply, mine, error):
    reason = str(error.message)[:500]
    if error.kind == ErrorKind.RECIPIENT or reply.attempts + 1 >= MAX_ATTEMPTS:
        _fail(mine, reason, error.code, count_attempt=True)
        return
    if error.ambiguous:
        # It may have reached Meta: stay "sending", unowned, until its status webhook or the grace period.
        mine.update(claim_token="", claimed_at=timezone.now(), attempts=F("attempts") + 1)
        return
    # Temporary trouble, Meta's pace, or a fault of the whole account (a token to renew): try again later.
    delay = retry_delay(error.retry_after, reply.attempts, base=BACKOFF_BASE, maximum=BACKOFF_MAX)
    mine.update(
        status=Reply.Status.PENDING,
        claim_token="",
        claimed_at=None,
        attempts=F("attempts") + 1,
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
        error_code=error.code,
        error_reason=reason,
    )
    logger.warning("WhatsApp: reply %s not sent (%s); tried again in %.0f s", reply.pk, error, delay)
    deliver_reply.schedule((reply.pk,), delay=delay)


def release_abandoned():
    """Replies left "sending" that no status webhook settled in the grace period: pending again. Returns how many.

    In doubt after a timeout (no token) they wait the grace period; still claimed, they may be a live worker's call
    under way, which lasts at most ``conf.longest_call_seconds()``: those wait that long more, so that a reply is
    never taken back from a worker still calling Meta (whatever the grace period)."""
    now = timezone.now()
    in_doubt_cutoff = now - datetime.timedelta(seconds=conf.delivery_status_grace_seconds())
    claimed_cutoff = in_doubt_cutoff - datetime.timedelta(seconds=conf.longest_call_seconds() + CLAIM_MARGIN)
    abandoned = Q(claim_token="", claimed_at__lt=in_doubt_cutoff) | Q(claimed_at__lt=claimed_cutoff)
    released = Reply.objects.filter(abandoned, status=Reply.Status.SENDING).update(
        status=Reply.Status.PENDING, claim_token="", claimed_at=None
    )
    if released:
        logger.warning("WhatsApp: %s replies left unsent by a stopped worker; tried again", released)
    return released


def send_due_replies():
    """The minute's pass: claims a dead worker left, lost tasks and due retries. Returns how many were sent."""
    release_abandoned()
    now = timezone.now()
    due = Reply.objects.filter(status=Reply.Status.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lt=now - LOST_AFTER)
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:DUE_BATCH])
    return sum(send_owed_reply(reply_id) for reply_id in ids)


def settle(status_update):
    """A status webhook for a reply (its callback data): an in-doubt reply went out after all. True when it was one."""
    reply_id = Reply.pk_from_callback_data(status_update.callback_data)
    if reply_id is None:
        return False
    if status_update.status != "failed":
        Reply.objects.filter(pk=reply_id, status__in=[Reply.Status.PENDING, Reply.Status.SENDING]).update(
            status=Reply.Status.SENT, wamid=status_update.wamid, sent_at=status_update.timestamp, claim_token=""
        )
    else:
        Reply.objects.filter(pk=reply_id).exclude(status=Reply.Status.FAILED).update(
            status=Reply.Status.FAILED,
            failed_at=status_update.timestamp,
            error_code=status_update.error_code,
            error_reason=(status_update.error_title or "")[:500],
        )
    return True
