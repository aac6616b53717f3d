"""The WhatsApp panel on the Wagtail home page: subscriber figures, what waits in the moderators' inbox, the last
broadcast, the month's spending per site and a chart drawn as SVG on the server (no JavaScript library, no CDN)."""

from datetime import datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from laces.components import Component
from wagtail.models import Site

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin import statistics as statistics_presentation
from wagtail_whatsapp.models import Broadcast, ConsentRecord, Delivery, InboundMessage, Reply, Subscriber
from wagtail_whatsapp.outbound import costs, statistics

CHART_DAYS = 90
FAILED_REPLIES_DAYS = 7


def _start_of_week(now):
    today = timezone.localtime(now).date()
    monday = today - timedelta(days=today.weekday())
    return timezone.make_aware(datetime.combine(monday, time.min))


def delivery_rate(broadcast):
    """Share of the recipients the broadcast reached (delivered or read), or None before anything was sent."""
    deliveries = Delivery.objects.filter(broadcast=broadcast).exclude(status=Delivery.Status.SKIPPED)
    total = deliveries.count()
    if total:
        reached = deliveries.filter(status__in=[Delivery.Status.DELIVERED, Delivery.Status.READ]).count()
        return reached / total
    if broadcast.recipients_count:
        return min(1.0, (broadcast.delivered_count + broadcast.read_count) / broadcast.recipients_count)
    return None


def figures():
    now = timezone.now()
    week = _start_of_week(now)
    joined_actions = [ConsentRecord.Action.SUBSCRIBE, ConsentRecord.Action.IMPORT]
    last = Broadcast.objects.order_by("-created_at", "-pk").first()
    return {
        "active": Subscriber.objects.active().count(),
        "joined_this_week": ConsentRecord.objects.filter(created_at__gte=week, action__in=joined_actions).count(),
        "left_this_week": ConsentRecord.objects.filter(
            created_at__gte=week, action=ConsentRecord.Action.UNSUBSCRIBE
        ).count(),
        "last_broadcast": last,
        "last_broadcast_rate": delivery_rate(last) if last else None,
    }


def month_spending():
    """Per site: what Meta billed this month, what unfinished broadcasts will still cost, and the budget left."""
    rows = []
    for site in Site.objects.order_by("-is_default_site", "site_name", "hostname"):
        spend = costs.month_spend(site)

        def money(amount, currency=spend.currency):
            return costs.format_amount(amount, currency)

        rows.append(
            {
                "site": site.site_name or site.hostname,
                "billed": money(spend.billed),
                "committed": money(spend.committed) if spend.committed else "",
                "budget": money(spend.budget) if spend.budget is not None else "",
                "left": money(spend.left) if spend.budget is not None else "",
                "over": spend.left is not None and spend.left < 0,
            }
        )
    return rows


def _per_day(field, since, **filters):
    rows = (
        Subscriber.objects.filter(**{f"{field}__gte": since}, **filters)
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["day"]: row["n"] for row in rows}


def subscribers_over_time(days=CHART_DAYS, now=None):
    """``[(date, active subscribers at the end of that day)]`` for the last ``days`` days.

    Walks back from today's real count, undoing each day's joins and leaves, so the last point is exactly the
    figure shown above the chart.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    since = timezone.make_aware(datetime.combine(today - timedelta(days=days - 1), time.min))
    joins = _per_day("subscribed_at", since)
    leaves = _per_day("unsubscribed_at", since, status__in=[Subscriber.Status.UNSUBSCRIBED])
    count = Subscriber.objects.active().count()
    points = []
    for offset in range(days):
        day = today - timedelta(days=offset)
        points.append((day, max(count, 0)))
        count = count - joins.get(day, 0) + leaves.get(day, 0)
    return list(reversed(points))


def svg_chart(points, width=640, height=180):
    """A line chart of ``points`` as inline SVG markup, with a text alternative for screen readers."""
    if not points:
        return ""
    pad_left, pad_bottom, pad_top = 44, 22, 10
    values = [value for _day, value in points]
    top = max(max(values), 1)
    step = (width - pad_left - 8) / max(len(points) - 1, 1)
    plot_height = height - pad_bottom - pad_top

    def y(value):
        return pad_top + plot_height - (value / top) * plot_height

    coords = " ".join(f"{pad_left + i * step:.1f},{y(value):.1f}" for i, value in enumerate(values))
    first_day, last_day = points[0][0], points[-1][0]
    label = _("Active subscribers from %(start)s to %(end)s: from %(first)s to %(last)s.") % {
        "start": date_format(first_day, "SHORT_DATE_FORMAT"),
        "end": date_format(last_day, "SHORT_DATE_FORMAT"),
        "first": values[0],
        "last": values[-1],
    }
    return format_html(
        '<svg class="w-whatsapp-chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{label}" '
        'xmlns="http://www.w3.org/2000/svg">'
        "<title>{label}</title>"
        '<line x1="{pl}" y1="{base}" x2="{w}" y2="{base}" stroke="currentColor" stroke-opacity="0.3"/>'
        '<text x="{tx}" y="{ty_top}" font-size="11" text-anchor="end" fill="currentColor">{top}</text>'
        '<text x="{tx}" y="{base}" font-size="11" text-anchor="end" fill="currentColor">0</text>'
        '<text x="{pl}" y="{h}" font-size="11" fill="currentColor">{first_day}</text>'
        '<text x="{w}" y="{h}" font-size="11" text-anchor="end" fill="currentColor">{last_day}</text>'
        '<polyline points="{coords}" fill="none" stroke="#25d366" stroke-width="2" stroke-linejoin="round"/>'
        "</svg>",
        w=width,
        h=height - 4,
        pl=pad_left,
        base=f"{pad_top + plot_height:.1f}",
        tx=pad_left - 6,
        ty_top=pad_top + 8,
        top=top,
        label=label,
        first_day=date_format(first_day, "SHORT_DATE_FORMAT"),
        last_day=date_format(last_day, "SHORT_DATE_FORMAT"),
        coords=coords,
    )


class WhatsAppPanel(Component):
    name = "wagtail_whatsapp"
    order = 150
    template_name = "wagtail_whatsapp/admin/dashboard_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        context = figures()
        context["chart"] = svg_chart(subscribers_over_time())
        context["chart_days"] = CHART_DAYS
        context["can_see_reports"] = perms.has(self.request.user, perms.VIEW_REPORTS, perms.SEND_BROADCAST)
        context["spending"] = month_spending() if context["can_see_reports"] else []
        if context["can_see_reports"]:
            context.update(statistics_chart())
        if context["last_broadcast_rate"] is not None:
            context["last_broadcast_percent"] = round(context["last_broadcast_rate"] * 100)
        if perms.has(self.request.user, perms.MANAGE_SUBSCRIBERS, perms.VIEW_REPORTS):
            context.update(failed_replies())
        if perms.has(self.request.user, perms.MODERATE_INBOX):
            context["inbox"] = inbox_waiting()
        return context


def statistics_chart(months=statistics_presentation.CHART_MONTHS):
    """The last months' messages reached and read on every site, as bars and as a table, with the statistics page."""
    figures = statistics.last_months(months)
    return {
        "statistics_chart": statistics_presentation.svg_bar_chart(figures),
        "statistics_months": statistics_presentation.month_rows(figures),
        "statistics_chart_months": months,
        "statistics_url": reverse("wagtail_whatsapp_admin:statistics"),
    }


def inbox_waiting():
    """What waits for the moderators: messages to review (of which flagged by the automatic check), and those
    reported, whose evidence may still have to go out; each with the inbox list filtered to show them."""
    index = reverse("wagtail_whatsapp_inboundmessage_modeladmin_index")
    queue = InboundMessage.objects.awaiting_review()
    return {
        "to_review": queue.count(),
        "to_review_url": f"{index}?state__exact={InboundMessage.State.NEW}",
        "flagged": queue.filter(flagged=True).count(),
        "flagged_url": f"{index}?state__exact={InboundMessage.State.NEW}&flagged__exact=1",
        "reported": InboundMessage.objects.for_moderation().filter(state=InboundMessage.State.REPORTED).count(),
        "reported_url": f"{index}?state__exact={InboundMessage.State.REPORTED}",
        "next_url": _oldest_to_review_url(),
    }


def _oldest_to_review_url():
    oldest = InboundMessage.objects.next_to_review()
    return reverse("wagtail_whatsapp_admin:inbox_detail", args=[oldest.pk]) if oldest else ""


def failed_replies(now=None):
    """Welcomes, goodbyes... that could not be sent lately: a citizen may be subscribed without the policy links."""
    since = (now or timezone.now()) - timedelta(days=FAILED_REPLIES_DAYS)
    count = Reply.objects.filter(status=Reply.Status.FAILED, failed_at__gte=since).count()
    url = reverse("wagtail_whatsapp_reply_modeladmin_index") + "?status__exact=failed"
    return {"failed_replies": count, "failed_replies_url": url, "failed_replies_days": FAILED_REPLIES_DAYS}


def homepage_panel_for(request):
    """The panel, or None for users who hold none of the plugin's permissions."""
    return WhatsAppPanel(request) if perms.has(request.user, *perms.ALL) else None
