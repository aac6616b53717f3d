"""Broadcasts scheduled for a date and time: which times are allowed, moving one, and starting them when due.

A scheduled broadcast is a row (status SCHEDULED, ``scheduled_for``), never a Huey task with an ETA: the minute's
periodic task (``outbound/tasks.py``) starts those whose time has come. So a restarted consumer, a time changed by an
editor, a cancellation or a clock moved need nothing from the queue. When it starts it is planned again, as
``start_broadcast`` plans a broadcast started now — the subscribers, template and cost of that moment — and then goes
as one started now: in the site's quiet hours it waits for their end (unless urgent), and Meta's daily limit paces it.
Scheduling itself is ``start_broadcast(..., at=...)`` (``broadcasts.py``).
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.log_actions import LogFormatter

from wagtail_whatsapp.models import Broadcast
from wagtail_whatsapp.outbound import costs, schedule
from wagtail_whatsapp.outbound.broadcasts import (
    LOG_ACTION,
    SCHEDULED_ACTION,
    OverBudget,
    enqueue,
    log_action,
    snapshot_of,
)
from wagtail_whatsapp.outbound.plan import BroadcastRefused, plan_broadcast

logger = logging.getLogger(__name__)

RESCHEDULED_ACTION = "wagtail_whatsapp.broadcast_rescheduled"
NOT_STARTED_ACTION = "wagtail_whatsapp.broadcast_not_started"


def schedule_problem(when, now=None):
    """Why ``when`` (an aware datetime) cannot be a broadcast's time, in the editor's words; None when it can."""
    now = now or timezone.now()
    if when <= now:
        return _("Choose a time in the future.")
    if when > now + Broadcast.SCHEDULABLE_AHEAD:
        days = Broadcast.SCHEDULABLE_AHEAD.days
        return ngettext(
            "A broadcast can be scheduled at most %(days)s day ahead.",
            "A broadcast can be scheduled at most %(days)s days ahead.",
            days,
        ) % {"days": days}
    return None


def local_label(when):
    """``when`` in the site's time as editors read it ("giovedì 24 dicembre 2026 09:00" in Italian)."""
    return date_format(timezone.localtime(when), "DATETIME_FORMAT")


def held_until(site, when, urgent=False):
    """The end of the site's quiet hours when they hold a broadcast scheduled for ``when`` (it starts then instead);
    None when they do not (or it is urgent)."""
    return None if urgent else schedule.quiet_hours_end(site, when)


def reschedule_broadcast(broadcast, when, user=None):
    """Move a broadcast that has not started to ``when``; False when it started (or was cancelled) meanwhile."""
    previous = broadcast.scheduled_for
    moved = Broadcast.objects.filter(pk=broadcast.pk, status=Broadcast.Status.SCHEDULED).update(scheduled_for=when)
    broadcast.refresh_from_db()
    if moved and broadcast.page_id:
        log_action(
            broadcast.page.specific,
            RESCHEDULED_ACTION,
            user,
            broadcast,
            scheduled_for=when.isoformat(),
            previously=previous.isoformat() if previous else "",
        )
    return bool(moved)


def due_broadcasts(now=None):
    return (
        Broadcast.objects.filter(status=Broadcast.Status.SCHEDULED, scheduled_for__lte=now or timezone.now())
        .select_related("site", "page", "created_by")
        .order_by("scheduled_for", "pk")
    )


def start_due_broadcasts(now=None):
    """Start every scheduled broadcast whose time has come (the minute's periodic task). In the site's quiet hours
    they stay scheduled, and go when the quiet hours end; an urgent one goes through them."""
    now = now or timezone.now()
    for broadcast in due_broadcasts(now):
        try:
            if schedule.held_by_quiet_hours(broadcast, now):
                continue  # this task runs every minute: it goes on the first minute after the quiet hours
            start_scheduled_broadcast(broadcast, now)
        except Exception:  # one broadcast's trouble must not hold back the others
            logger.exception("WhatsApp: scheduled broadcast %s could not be started", broadcast.pk)


def start_scheduled_broadcast(broadcast, now=None):
    """Plan ``broadcast`` again and queue it: True. When it can no longer go (page deleted or unpublished, nobody
    subscribed, over budget...) it fails with the reason, which its report and the page's history show: False."""
    now = now or timezone.now()
    page = broadcast.page.specific if broadcast.page_id else None
    try:
        if page is None:
            raise BroadcastRefused(_("The page was deleted."))
        # The media the editor saw on the confirmation page, if the page still has it.
        plan = plan_broadcast(
            page, site=broadcast.site, media_choice=broadcast.media.get("type", ""), urgent=broadcast.urgent
        )
        if plan.problems:
            raise BroadcastRefused(" ".join(str(problem) for problem in plan.problems))
        cost = costs.estimate(plan)
        budget = costs.check_budget(plan, cost)
        if budget.exceeds and not broadcast.over_budget_confirmed:
            raise OverBudget(budget.reason)
    except BroadcastRefused as refused:
        _fail(broadcast, page, str(refused.reason), now)
        return False
    with transaction.atomic():
        # Conditional: an editor who moved or cancelled it a moment ago wins, and two consumers never both start it.
        started = Broadcast.objects.filter(
            pk=broadcast.pk, status=Broadcast.Status.SCHEDULED, scheduled_for__lte=now
        ).update(status=Broadcast.Status.QUEUED, revision=page.live_revision, **snapshot_of(plan, cost))
        if not started:
            return False
        broadcast.refresh_from_db()
        extra = {"over_budget": budget.reason} if budget.exceeds else {}
        if broadcast.urgent:
            extra["urgent"] = True
        log_action(page, LOG_ACTION, broadcast.created_by, broadcast, scheduled_for=_iso(broadcast), **extra)
        enqueue(broadcast)
    return True


def _fail(broadcast, page, reason, now):
    failed = Broadcast.objects.filter(pk=broadcast.pk, status=Broadcast.Status.SCHEDULED).update(
        status=Broadcast.Status.FAILED,
        status_reason=_("Not sent at the scheduled time: %(reason)s") % {"reason": reason},
        finished_at=now,
    )
    broadcast.refresh_from_db()
    if failed and page is not None:
        log_action(page, NOT_STARTED_ACTION, broadcast.created_by, broadcast, reason=reason)
    logger.warning("WhatsApp: scheduled broadcast %s not started: %s", broadcast.pk, reason)


def _iso(broadcast):
    return broadcast.scheduled_for.isoformat() if broadcast.scheduled_for else ""


def _logged_time(log_entry, key="scheduled_for"):
    value = (log_entry.data or {}).get(key) or ""
    try:
        return local_label(datetime.datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return "?"


def register_log_actions(actions):
    """The page history's entries for scheduling, moving and a scheduled broadcast that could not start."""

    @actions.register_action(SCHEDULED_ACTION)
    class ScheduledFormatter(LogFormatter):
        label = gettext_lazy("Schedule WhatsApp broadcast")

        def format_message(self, log_entry):
            return _("WhatsApp broadcast scheduled for %(time)s") % {"time": _logged_time(log_entry)}

    @actions.register_action(RESCHEDULED_ACTION)
    class RescheduledFormatter(LogFormatter):
        label = gettext_lazy("Change the time of a WhatsApp broadcast")

        def format_message(self, log_entry):
            return _("WhatsApp broadcast moved from %(previous)s to %(time)s") % {
                "previous": _logged_time(log_entry, "previously"),
                "time": _logged_time(log_entry),
            }

    @actions.register_action(NOT_STARTED_ACTION)
    class NotStartedFormatter(LogFormatter):
        label = gettext_lazy("Scheduled WhatsApp broadcast not sent")

        def format_message(self, log_entry):
            return _("Scheduled WhatsApp broadcast not sent: %(reason)s") % {
                "reason": (log_entry.data or {}).get("reason", "")
            }
