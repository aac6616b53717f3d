"""The statistics page (per month and per broadcast, one site at a time) and its two CSV downloads.

Opened by ``view_reports`` or ``send_broadcast``, like the broadcast reports: the figures are aggregates, no number
nor WhatsApp user id ever appears in them.
"""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Site

from wagtail_whatsapp import conf
from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin import statistics as presentation
from wagtail_whatsapp.admin.views.broadcast_views import refused_response
from wagtail_whatsapp.admin.views.csv_download import csv_download
from wagtail_whatsapp.admin.views.query import query_id
from wagtail_whatsapp.outbound import statistics

STATISTICS_PERMISSIONS = (perms.VIEW_REPORTS, perms.SEND_BROADCAST)


def site_name(site):
    return site.site_name or site.hostname


class BadSite(Exception):
    pass


def chosen_site(request):
    """The site of ``?site=<id>`` (404 when there is none), the default site without it."""
    if "site" not in request.GET:
        return Site.objects.filter(is_default_site=True).first() or Site.objects.order_by("pk").first()
    site_id = query_id(request, "site")
    if site_id is None:
        raise BadSite
    return get_object_or_404(Site, pk=site_id)


def _bad_site(request):
    return refused_response(request, 400, gettext("The site in the address is not a site id."))


class StatisticsView(WagtailAdminTemplateMixin, View):
    template_name = "wagtail_whatsapp/statistics/index.html"
    page_title = _("WhatsApp statistics")
    header_icon = "table"
    per_page = 50

    def dispatch(self, request, *args, **kwargs):
        if not perms.has(request.user, *STATISTICS_PERMISSIONS):
            return perms.forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get(self, request):
        try:
            site = chosen_site(request)
        except BadSite:
            return _bad_site(request)
        figures = statistics.broadcast_figures(site) if site else []
        broadcasts = Paginator(figures, self.per_page).get_page(request.GET.get("p"))
        prices = conf.prices()
        context = self.get_context_data(
            site=site,
            sites=Site.objects.order_by("-is_default_site", "site_name", "hostname") if site else [],
            months=presentation.month_rows(statistics.month_figures(figures)),
            broadcasts=broadcasts,
            broadcast_rows=presentation.broadcast_rows(broadcasts.object_list),
            prices_as_of=prices.as_of,
            window_hours=int(statistics.UNSUBSCRIBE_WINDOW.total_seconds() // 3600),
        )
        return TemplateResponse(request, self.template_name, context)


def _filename(kind, site):
    return f"whatsapp-{kind}-{site.pk}-{timezone.localdate():%Y-%m-%d}.csv"


@perms.required(*STATISTICS_PERMISSIONS)
def months_csv(request):
    try:
        site = chosen_site(request)
    except BadSite:
        return _bad_site(request)
    months = statistics.month_figures(statistics.broadcast_figures(site))
    return csv_download(presentation.months_csv_rows(months, site_name(site)), _filename("months", site))


@perms.required(*STATISTICS_PERMISSIONS)
def broadcasts_csv(request):
    try:
        site = chosen_site(request)
    except BadSite:
        return _bad_site(request)
    figures = statistics.broadcast_figures(site)
    return csv_download(
        presentation.broadcasts_csv_rows(figures, {site.pk: site_name(site)}), _filename("broadcasts", site)
    )
