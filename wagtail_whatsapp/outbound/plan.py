"""What a broadcast of a page would be, before anything is sent: the message, media and template, how many
subscribers get it and how (template or free-form), and what stops or delays it. The confirmation page shows it."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from wagtail_whatsapp.models import Broadcast, MessageTemplate, Subscriber, WhatsAppBroadcastMixin, WhatsAppSettings
from wagtail_whatsapp.outbound import composing, costs, messaging_limit
from wagtail_whatsapp.outbound.template_mapping import TemplateMappingError, parse_mapping


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


def broadcast_template(site):
    """The site's approved broadcast template (chosen in Settings → WhatsApp), or None."""
    template = WhatsAppSettings.for_site(site).broadcast_template
    return template if template is not None and template.is_approved else None


def parameter_mapping(site):
    """``{template parameter: page value}`` from the site settings; checked when saved, so errors mean none."""
    try:
        return parse_mapping(WhatsAppSettings.for_site(site).template_parameter_mapping)
    except TemplateMappingError:
        return {}


def page_values(page, site):
    values = dict(page.get_whatsapp_template_parameters())
    values.setdefault("site_name", WhatsAppSettings.for_site(site).get_service_name())
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

    subscribers = Subscriber.objects.active(site)
    plan.recipients = subscribers.count()
    plan.freeform_recipients = subscribers.in_service_window().count()
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
    category_problem = costs.category_change_problem(plan.template) if plan.template_recipients else None
    if category_problem:
        plan.problems.append(category_problem)
    site_settings = WhatsAppSettings.for_site(site)
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
