"""What a broadcast of a page would be, before anything is sent: the message, media and template, how many
subscribers get it and how (template or free-form), and what stops or delays it. The confirmation page shows it."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wagtail_whatsapp.models import Broadcast, MessageTemplate, Subscriber, WhatsAppBroadcastMixin, WhatsAppSettings
from wagtail_whatsapp.outbound import composing, costs, messaging_limit, targeting, template_family


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
    document: object = None
    recipients: int = 0
    template_recipients: int = 0
    freeform_recipients: int = 0
    # The template for THIS page (picked from the site's family for its media and event-ness), and how it came.
    template: MessageTemplate | None = None
    template_chosen: bool = False  # True: chosen in Settings → WhatsApp; False: picked by the plugin
    template_kind: str = ""  # the kind of the family it stands for: text, image, video, document, event
    media_options: list = field(default_factory=list)  # the media the page has: the editor picks the one that goes
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    previous_broadcasts: object = None
    media: dict = field(default_factory=dict)
    template_spec: dict = field(default_factory=dict)
    # The problems that concern the message itself (media, template parameters): they also stop a test message.
    message_problems: list = field(default_factory=list)
    # "Already sent on ...", also in ``warnings``: the confirmation page shows it as its own block with the history.
    repeat_warning: str = ""
    # The page's topics and places, and how many of the recipients chose each (outbound/targeting.py).
    topics: list = field(default_factory=list)
    choice_shares: list = field(default_factory=list)


def parameter_mapping(site):
    """``{template parameter: page value}`` from the site settings; checked when saved, so errors mean none."""
    return template_family.site_mapping(WhatsAppSettings.for_site(site))


def page_values(page, site):
    values = dict(page.get_whatsapp_template_parameters())
    values.setdefault("site_name", WhatsAppSettings.for_site(site).get_service_name())
    when = getattr(page, "date", None) or getattr(page, "start", None)
    if isinstance(when, datetime) and timezone.is_aware(when):
        when = timezone.localtime(when)
    values.setdefault("date", date_format(when, "j F Y") if when else "")
    return values


def plan_broadcast(page, site=None, media_choice="", urgent=False):
    """The plan of sending ``page``; ``media_choice`` ("image", "video", "document") overrides the page's own choice
    of the one media that goes; ``urgent``: an urgent alert's plan (its UTILITY template, no quiet hours)."""
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
    plan.media_options = list(composing.page_media(page))
    plan.media, media_problems, media_warnings = composing.media_snapshot(page, media_choice)
    going = plan.media.get("type")
    plan.image = page.get_whatsapp_image() if going == "image" else None
    plan.video = page.get_whatsapp_video() if going == "video" else None
    plan.document = page.get_whatsapp_document() if going == "document" else None
    plan.problems += media_problems
    plan.message_problems += media_problems
    plan.warnings += media_warnings

    plan.topics = targeting.page_topics(page)
    # An urgent alert goes to everyone whatever they chose (urgent.reaches_everyone): its count is everyone's.
    subscribers = targeting.matching(Subscriber.objects.active(site), [] if urgent else plan.topics)
    plan.choice_shares = targeting.shares(subscribers, plan.topics)
    plan.recipients = subscribers.count()
    plan.freeform_recipients = subscribers.in_service_window().count()
    plan.template_recipients = plan.recipients - plan.freeform_recipients
    if plan.recipients == 0:
        plan.problems.append(_("There are no active subscribers to send to."))

    picked = template_family.pick(template_family.family(site, urgent=urgent), going or "", page.is_whatsapp_event())
    if picked.member is not None:
        plan.template, plan.template_chosen = picked.member.template, picked.member.chosen
        plan.template_kind = picked.member.kind
        plan.template_spec, template_problems = composing.template_spec(
            plan.template, page_values(page, site), parameter_mapping(site), plan.media
        )
        plan.message_problems += template_problems
        if plan.template_recipients:
            plan.problems += template_problems
            plan.warnings += picked.warnings
    elif plan.template_recipients:
        plan.problems.append(
            ngettext(
                "%(count)s subscriber has not written in the last 24 hours, so WhatsApp accepts only an approved "
                "template for them, and the site has no approved template for this page: choose one in "
                "Settings → WhatsApp → Broadcasting, or create the recommended ones (whatsapp_create_templates).",
                "%(count)s subscribers have not written in the last 24 hours, so WhatsApp accepts only an approved "
                "template for them, and the site has no approved template for this page: choose one in "
                "Settings → WhatsApp → Broadcasting, or create the recommended ones (whatsapp_create_templates).",
                plan.template_recipients,
            )
            % {"count": plan.template_recipients}
        )
    if plan.template is not None:
        plan.warnings += messaging_limit.plan_warnings(site, plan.template_recipients)
    category_problem = costs.category_change_problem(plan.template) if plan.template_recipients else None
    if category_problem:
        plan.problems.append(category_problem)
    site_settings = WhatsAppSettings.for_site(site)
    if not urgent and site_settings.in_quiet_hours(timezone.localtime().time()):
        plan.warnings.append(
            _("These are the site's quiet hours: the broadcast will start at %(time)s.")
            % {"time": site_settings.quiet_hours_end.strftime("%H:%M")}
        )
    last = plan.previous_broadcasts.exclude(status=Broadcast.Status.CANCELLED).first()
    if last is not None:
        plan.repeat_warning = ngettext(
            "This page was already sent on %(date)s to %(count)s subscriber.",
            "This page was already sent on %(date)s to %(count)s subscribers.",
            last.recipients_count,
        ) % {
            "date": timezone.localtime(last.created_at).strftime("%d/%m/%Y %H:%M"),
            "count": last.recipients_count,
        }
        plan.warnings.append(plan.repeat_warning)
    return plan
