"""Broadcasts: what the editor's "Send via WhatsApp" plans, starts, pauses, resumes and cancels.

Views and the management command call only these functions; the sending itself happens in a Huey task
(``tasks.send_broadcast_task`` → ``sending.BroadcastSender``).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import composing, messaging_limit
from .media import MediaRefused
from .models import Broadcast, Delivery, MessageTemplate, Subscriber, WhatsAppBroadcastMixin, WhatsAppSettings
from .models.subscribers import SERVICE_WINDOW
from .numbers import InvalidNumber, normalise_number
from .template_mapping import TemplateMappingError, parse_mapping

FAN_OUT_BATCH = 1000
LOG_ACTION = "wagtail_whatsapp.broadcast"


class BroadcastRefused(Exception):
    """The broadcast (or test message) cannot go out; ``reason`` is for the editor."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


@dataclass
class BroadcastPlan:
    site: object
    page: object
    message: str = ""
    image: object = None
    video: object = None
    recipients: int = 0
    template_recipients: int = 0
    freeform_recipients: int = 0
    template: MessageTemplate | None = None
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    previous_broadcasts: object = None
    media: dict = field(default_factory=dict)
    template_spec: dict = field(default_factory=dict)
    # The problems that concern the message itself (media, template parameters): they also stop a test message.
    message_problems: list = field(default_factory=list)
    # "Already sent on ...", also in ``warnings``: the confirmation page shows it as its own block with the history.
    repeat_warning: str = ""

    @property
    def can_start(self):
        return not self.problems


def active_subscribers(site):
    return Subscriber.objects.filter(site=site, status=Subscriber.Status.ACTIVE)


def whatsapp_settings(site):
    return WhatsAppSettings.for_site(site)


def broadcast_template(site):
    """The site's approved broadcast template (chosen in Settings → WhatsApp), or None."""
    template = whatsapp_settings(site).broadcast_template
    return template if template is not None and template.is_approved else None


def parameter_mapping(site):
    """``{template parameter: page value}`` from the site settings; checked when saved, so errors mean none."""
    try:
        return parse_mapping(whatsapp_settings(site).template_parameter_mapping)
    except TemplateMappingError:
        return {}


def page_values(page, site):
    values = dict(page.get_whatsapp_template_parameters())
    values.setdefault("site_name", whatsapp_settings(site).get_service_name())
    when = getattr(page, "date", None) or getattr(page, "start", None)
    if isinstance(when, datetime) and timezone.is_aware(when):
        when = timezone.localtime(when)
    values.setdefault("date", date_format(when, "j F Y") if when else "")
    return values


def plan_broadcast(page, site=None):
    page = page.specific
    site = site or page.get_site()
    plan = BroadcastPlan(site=site, page=page)
    plan.previous_broadcasts = Broadcast.objects.filter(page=page).order_by("-created_at")
    if site is None:
        plan.problems.append(_("The page is not part of a site."))
        return plan
    if not isinstance(page, WhatsAppBroadcastMixin):
        plan.problems.append(_("Pages of this type cannot be sent via WhatsApp."))
        return plan
    if not page.live:
        plan.problems.append(_("Only a published page can be sent."))
    plan.message = page.get_whatsapp_message()
    plan.image, plan.video = page.get_whatsapp_image(), page.get_whatsapp_video()
    plan.media, media_problems, media_warnings = composing.media_snapshot(page)
    plan.problems += media_problems
    plan.message_problems += media_problems
    plan.warnings += media_warnings

    subscribers = active_subscribers(site)
    plan.recipients = subscribers.count()
    plan.freeform_recipients = subscribers.filter(last_inbound_at__gt=timezone.now() - SERVICE_WINDOW).count()
    plan.template_recipients = plan.recipients - plan.freeform_recipients
    if plan.recipients == 0:
        plan.problems.append(_("There are no active subscribers to send to."))

    plan.template = broadcast_template(site)
    if plan.template is not None:
        plan.template_spec, template_problems = composing.template_spec(
            plan.template, page_values(page, site), parameter_mapping(site), plan.media
        )
        plan.message_problems += template_problems
        if plan.template_recipients:
            plan.problems += template_problems
    elif plan.template_recipients:
        plan.problems.append(
            _(
                "%(count)s subscribers have not written in the last 24 hours, so WhatsApp accepts only an approved "
                "template for them, and no approved broadcast template is chosen in Settings → WhatsApp."
            )
            % {"count": plan.template_recipients}
        )
    if plan.template is not None:
        plan.warnings += messaging_limit.plan_warnings(site, plan.template_recipients)
    site_settings = whatsapp_settings(site)
    if site_settings.in_quiet_hours(timezone.localtime().time()):
        plan.warnings.append(
            _("These are the site's quiet hours: the broadcast will start at %(time)s.")
            % {"time": site_settings.quiet_hours_end.strftime("%H:%M")}
        )
    last = plan.previous_broadcasts.exclude(status=Broadcast.Status.CANCELLED).first()
    if last is not None:
        plan.repeat_warning = _("This page was already sent on %(date)s to %(count)s subscribers.") % {
            "date": timezone.localtime(last.created_at).strftime("%d/%m/%Y %H:%M"),
            "count": last.recipients_count,
        }
        plan.warnings.append(plan.repeat_warning)
    return plan


def _log(page, action, user, broadcast, **extra):
    from wagtail.log_actions import log

    data = {"broadcast_id": broadcast.pk, "recipients": broadcast.recipients_count, **extra}
    log(instance=page, action=action, user=user, data=data)


def _enqueue(broadcast):
    from .tasks import send_broadcast_task

    transaction.on_commit(lambda: send_broadcast_task(broadcast.pk))


def start_broadcast(page, *, user=None, revision=None, site=None, once_per_revision=False):
    """Queue a broadcast of ``page``; None when ``once_per_revision`` and this revision was already broadcast."""
    plan = plan_broadcast(page, site=site)
    page = plan.page
    revision = revision or page.live_revision
    if once_per_revision and Broadcast.objects.filter(revision=revision, once_per_revision=True).exists():
        return None
    if plan.problems:
        raise BroadcastRefused(" ".join(str(problem) for problem in plan.problems))
    template = plan.template if plan.template_recipients else None
    broadcast = Broadcast(
        site=plan.site,
        page=page,
        revision=revision,
        title=page.title[:255],
        url=(page.get_whatsapp_url() or "")[:1024],
        message=plan.message,
        media=plan.media,
        template=template,
        template_parameters=(
            {"name": template.name, "language": template.language, "spec": plan.template_spec} if template else {}
        ),
        created_by=user if getattr(user, "pk", None) else None,
        recipients_count=plan.recipients,
        once_per_revision=once_per_revision and revision is not None,
    )
    try:
        with transaction.atomic():
            broadcast.save()
            _log(page, LOG_ACTION, user, broadcast)
            _enqueue(broadcast)
    except IntegrityError:
        if once_per_revision:
            return None  # the publish path raced with itself: the other one queued it
        raise
    return broadcast


def send_test_message(page, number, *, user=None, site=None):
    """Send ``page`` to one number typed by the editor, as a subscriber would get it. Returns the SendResult."""
    from .backends import get_backend
    from .backends.base import WhatsAppError

    try:
        number = normalise_number(number)
    except InvalidNumber:
        raise BroadcastRefused(
            _("“%(number)s” is not a valid phone number. Write it with the country code, e.g. +39 333 123 4567.")
            % {"number": number}
        ) from None
    plan = plan_broadcast(page, site=site)
    if plan.site is None or not isinstance(plan.page, WhatsAppBroadcastMixin):
        raise BroadcastRefused(" ".join(str(problem) for problem in plan.problems))
    if plan.message_problems:
        raise BroadcastRefused(" ".join(str(problem) for problem in plan.message_problems))
    subscriber = Subscriber.objects.filter(site=plan.site, phone_number=number).first()
    in_window = subscriber is not None and subscriber.in_service_window()
    backend = get_backend(whatsapp_settings(plan.site).phone_number_id or None)
    try:
        media_id = composing.upload_media(backend, plan.media) if plan.media else ""
        template = plan.template
        snapshot = composing.Snapshot(
            message=plan.message,
            media_type=plan.media.get("type", "") if media_id else "",
            media_id=media_id,
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


def fan_out(broadcast, batch_size=FAN_OUT_BATCH):
    """Create one pending Delivery per active subscriber, a batch of primary keys at a time (never all in memory)."""
    last_pk = 0
    subscribers = active_subscribers(broadcast.site_id).order_by("pk")
    while True:
        ids = list(subscribers.filter(pk__gt=last_pk).values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        Delivery.objects.bulk_create(
            [Delivery(broadcast_id=broadcast.pk, subscriber_id=pk) for pk in ids], ignore_conflicts=True
        )
        last_pk = ids[-1]
    total = Delivery.objects.filter(broadcast=broadcast).count()
    Broadcast.objects.filter(pk=broadcast.pk).update(fanned_out_at=timezone.now(), recipients_count=total)
    broadcast.recipients_count = total


def _change_status(broadcast, from_statuses, to_status, **changes):
    moved = Broadcast.objects.filter(pk=broadcast.pk, status__in=from_statuses).update(status=to_status, **changes)
    broadcast.refresh_from_db()
    return bool(moved)


def pause_broadcast(broadcast, user=None, reason=""):
    if not reason and user is not None:
        reason = _("Paused by %(user)s.") % {"user": user.get_username()}
    paused = _change_status(
        broadcast, [Broadcast.Status.QUEUED, Broadcast.Status.SENDING], Broadcast.Status.PAUSED, status_reason=reason
    )
    if paused and broadcast.page_id:
        _log(broadcast.page.specific, "wagtail_whatsapp.broadcast_paused", user, broadcast, reason=str(reason))
    return paused


def resume_broadcast(broadcast, user=None):
    with transaction.atomic():
        resumed = _change_status(
            broadcast, [Broadcast.Status.PAUSED], Broadcast.Status.QUEUED, status_reason="", resume_at=None
        )
        if resumed:
            if broadcast.page_id:
                _log(broadcast.page.specific, "wagtail_whatsapp.broadcast_resumed", user, broadcast)
            _enqueue(broadcast)
    return resumed


def cancel_broadcast(broadcast, user=None):
    """Stop for good: senders check the status right before every message, so none goes out after this."""
    reason = _("Cancelled by %(user)s.") % {"user": user.get_username()} if user is not None else _("Cancelled.")
    cancelled = _change_status(
        broadcast,
        [Broadcast.Status.QUEUED, Broadcast.Status.SENDING, Broadcast.Status.PAUSED],
        Broadcast.Status.CANCELLED,
        status_reason=reason,
        finished_at=timezone.now(),
    )
    if cancelled and broadcast.page_id:
        _log(broadcast.page.specific, "wagtail_whatsapp.broadcast_cancelled", user, broadcast)
    return cancelled


def broadcast_progress(broadcast):
    from .progress import progress_of

    return progress_of(broadcast)
