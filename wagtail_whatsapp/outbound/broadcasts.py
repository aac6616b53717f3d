"""Broadcasts: what the editor's "Send via WhatsApp" starts (now or at a time), pauses, resumes and cancels
(``plan.py`` says what it would be first; ``scheduled_broadcasts.py`` moves and starts the scheduled ones).

Views, the publish hook and the management command call only these functions; the sending itself happens in a Huey
task (``queue.send_broadcast_task`` → ``sender.BroadcastSender``).
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.models import Broadcast, Subscriber, WhatsAppBroadcastMixin, WhatsAppSettings
from wagtail_whatsapp.numbers import InvalidNumber, normalise_number
from wagtail_whatsapp.outbound import composing, costs, schedule
from wagtail_whatsapp.outbound.media import MediaRefused
from wagtail_whatsapp.outbound.plan import BroadcastRefused, plan_broadcast
from wagtail_whatsapp.outbound.queue import send_broadcast_task
from wagtail_whatsapp.outbound.urgent import resume_released

logger = logging.getLogger(__name__)

LOG_ACTION = "wagtail_whatsapp.broadcast"
SCHEDULED_ACTION = "wagtail_whatsapp.broadcast_scheduled"


class OverBudget(BroadcastRefused):
    """The broadcast would take the site over its monthly budget, and nobody allowed to go over it said to."""


def log_action(page, action, user, broadcast, **extra):
    data = {"broadcast_id": broadcast.pk, "recipients": broadcast.recipients_count, **extra}
    log(instance=page, action=action, user=user, data=data)


def enqueue(broadcast):
    transaction.on_commit(lambda: send_broadcast_task(broadcast.pk))


def snapshot_of(plan, cost):
    """The fields of a Broadcast that ``plan`` fixes: what goes, to how many, with which template, at what cost."""
    page = plan.page
    template = plan.template if plan.template_recipients else None
    return {
        "site": plan.site,
        "page": page,
        "title": page.title[:255],
        "url": (page.get_whatsapp_url() or "")[:1024],
        "message": plan.message,
        "media": plan.media,
        "template": template,
        "template_parameters": (
            {"name": template.name, "language": template.language, "spec": plan.template_spec} if template else {}
        ),
        "recipients_count": plan.recipients,
        "estimated_cost": cost.total,
    }


def start_broadcast(
    page,
    *,
    user=None,
    revision=None,
    site=None,
    once_per_revision=False,
    media_choice="",
    exceed_budget=False,
    urgent=False,
    at=None,
):
    """Queue a broadcast of ``page``; None when ``once_per_revision`` and this revision was already broadcast.
    ``media_choice`` is the editor's choice of the one media that goes (see ``plan_broadcast``).

    A broadcast that would exceed the site's monthly budget raises ``OverBudget`` unless ``exceed_budget`` (the caller
    checked the ``exceed_budget`` permission, or the shell's ``--exceed-budget``).
    An ``urgent`` broadcast starts at once, even in the site's quiet hours (the caller checked the ``send_urgent``
    permission, or the shell's ``--urgent``); the page's history says so.
    With ``at`` (an aware datetime the caller checked with ``scheduled_broadcasts.schedule_problem``) the broadcast is
    only scheduled: it starts by itself then, planned again (``scheduled_broadcasts.start_due_broadcasts``).
    """
    plan = plan_broadcast(page, site=site, media_choice=media_choice, urgent=urgent)
    page = plan.page
    revision = revision or page.live_revision
    if once_per_revision and Broadcast.objects.filter(revision=revision, once_per_revision=True).exists():
        return None
    if plan.problems:
        raise BroadcastRefused(" ".join(str(problem) for problem in plan.problems))
    cost = costs.estimate(plan)
    budget = costs.check_budget(plan, cost)
    if budget.exceeds and not exceed_budget:
        raise OverBudget(budget.reason)
    broadcast = Broadcast(
        **snapshot_of(plan, cost),
        revision=revision,
        created_by=user if getattr(user, "pk", None) else None,
        once_per_revision=once_per_revision and revision is not None,
        urgent=urgent,
    )
    if at is not None:
        broadcast.status, broadcast.scheduled_for = Broadcast.Status.SCHEDULED, at
        broadcast.over_budget_confirmed = bool(exceed_budget)
    try:
        with transaction.atomic():
            broadcast.save()
            extra = {"over_budget": budget.reason} if budget.exceeds else {}
            if urgent:
                extra["urgent"] = True
            if at is not None:
                log_action(page, SCHEDULED_ACTION, user, broadcast, scheduled_for=at.isoformat(), **extra)
            else:
                log_action(page, LOG_ACTION, user, broadcast, **extra)
                enqueue(broadcast)
    except IntegrityError:
        if once_per_revision:
            return None  # the publish path raced with itself: the other one queued it
        raise
    return broadcast


def send_test_message(page, number, media_choice=""):
    """Send ``page`` to one number typed by the editor, as a subscriber would get it: with the template the page's
    broadcast would use when the number has not written in the last 24 hours. Returns the SendResult."""
    try:
        number = normalise_number(number)
    except InvalidNumber:
        raise BroadcastRefused(
            _("“%(number)s” is not a valid phone number. Write it with the country code, e.g. +39 333 123 4567.")
            % {"number": number}
        ) from None
    plan = plan_broadcast(page, media_choice=media_choice)
    if plan.site is None or not isinstance(plan.page, WhatsAppBroadcastMixin):
        raise BroadcastRefused(" ".join(str(problem) for problem in plan.problems))
    if plan.message_problems:
        raise BroadcastRefused(" ".join(str(problem) for problem in plan.message_problems))
    subscriber = Subscriber.objects.filter(site=plan.site, phone_number=number).first()
    in_window = subscriber is not None and subscriber.in_service_window()
    backend = get_backend(WhatsAppSettings.for_site(plan.site).sending_number_id)
    try:
        media_id = composing.upload_media(backend, plan.media) if plan.media else ""
        template = plan.template
        snapshot = composing.Snapshot(
            message=plan.message,
            media_type=plan.media.get("type", "") if media_id else "",
            media_id=media_id,
            media_filename=plan.media.get("filename", "") if media_id else "",
            template_name=template.name if template else "",
            template_language=template.language if template else "",
            template_spec=plan.template_spec,
        )
        return composing.send_broadcast_message(backend, snapshot, number.lstrip("+"), in_window=in_window)
    except WhatsAppError as error:
        raise BroadcastRefused(_("WhatsApp did not accept the test message: %(error)s") % {"error": error}) from None
    except MediaRefused as refused:
        raise BroadcastRefused(" ".join(refused.errors)) from None
    finally:
        backend.close()


def _change_status(broadcast, from_statuses, to_status, **changes):
    moved = Broadcast.objects.filter(pk=broadcast.pk, status__in=from_statuses).update(status=to_status, **changes)
    broadcast.refresh_from_db()
    return bool(moved)


def pause_broadcast(broadcast, user=None, reason=""):
    if user is not None:
        reason = _("Paused by %(user)s.") % {"user": user.get_username()}
    paused = _change_status(
        broadcast, [Broadcast.Status.QUEUED, Broadcast.Status.SENDING], Broadcast.Status.PAUSED, status_reason=reason
    )
    if paused and broadcast.page_id:
        log_action(broadcast.page.specific, "wagtail_whatsapp.broadcast_paused", user, broadcast, reason=str(reason))
    return paused


def resume_broadcast(broadcast, user=None):
    with transaction.atomic():
        resumed = _change_status(
            broadcast,
            [Broadcast.Status.PAUSED],
            Broadcast.Status.QUEUED,
            status_reason="",
            resume_at=None,
            yielded_to=None,
        )
        if resumed:
            if broadcast.page_id:
                log_action(broadcast.page.specific, "wagtail_whatsapp.broadcast_resumed", user, broadcast)
            enqueue(broadcast)
    return resumed


def cancel_broadcast(broadcast, user=None):
    """Stop for good: senders check the status right before every message, so none goes out after this. A scheduled
    broadcast is cancelled before it starts."""
    reason = _("Cancelled by %(user)s.") % {"user": user.get_username()} if user is not None else _("Cancelled.")
    cancelled = _change_status(
        broadcast,
        [Broadcast.Status.SCHEDULED, Broadcast.Status.QUEUED, Broadcast.Status.SENDING, Broadcast.Status.PAUSED],
        Broadcast.Status.CANCELLED,
        status_reason=reason,
        finished_at=timezone.now(),
    )
    if cancelled and broadcast.page_id:
        log_action(broadcast.page.specific, "wagtail_whatsapp.broadcast_cancelled", user, broadcast)
    return cancelled


def resume_due_broadcasts():
    """Resume every broadcast paused for the messaging limit whose time has come (the minute's periodic task)."""
    due = Broadcast.objects.filter(status=Broadcast.Status.PAUSED, resume_at__lte=timezone.now()).select_related("site")
    for broadcast in due:
        try:
            if schedule.held_by_quiet_hours(broadcast):
                continue  # never at night: this task runs every minute, so it goes on when the quiet hours end
            resume_broadcast(broadcast)
        except Exception:  # one broadcast's trouble must not hold back the others
            logger.exception("WhatsApp: broadcast %s could not be resumed", broadcast.pk)


def resume_after_urgent_alerts():
    """Queue again every broadcast that paused for an urgent alert no longer running (the minute's periodic task: the
    alert's own task does it as soon as it ends, this catches a crash in between)."""
    for broadcast_id in resume_released():
        send_broadcast_task(broadcast_id)
