"""The subscribers' CSV export: exactly the subscribers the list shows, with the list's own filters and search.

The list's "Export CSV" button passes its query string on. Only the list's filters are read (status, source, site,
the two dates) and the number search, each checked: a value the list would refuse gets a 400 with the reason, never
a wider export than the list showed.
"""

import datetime

from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.log_actions import log
from wagtail.models import Site

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.views.csv_download import csv_download
from wagtail_whatsapp.admin.views.query import query_id
from wagtail_whatsapp.models import Subscriber
from wagtail_whatsapp.numbers import MASK

EXPORT_COLUMNS = ("phone_number", "profile_name", "status", "source", "site", "subscribed_at", "unsubscribed_at")
CHOICES = {"status": Subscriber.Status.values, "source": Subscriber.Source.values}
DATES = ("subscribed_at", "unsubscribed_at")
IGNORED = {"o", "p", "ordering"}  # the list's sorting and page: they do not change which subscribers it holds


class BadExportFilter(ValueError):
    pass


def _date(value):
    parsed = parse_datetime(value) or parse_date(value)
    if parsed is None:
        raise ValueError(value)
    if not isinstance(parsed, datetime.datetime):
        parsed = datetime.datetime.combine(parsed, datetime.time.min)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _condition(name, value, request):
    field, _sep, lookup = name.partition("__")
    if name in ("site", "site__id__exact"):
        site_id = query_id(request, name)
        if site_id is None or not Site.objects.filter(pk=site_id).exists():
            raise BadExportFilter(name)
        return Q(site_id=site_id)
    if field in CHOICES and lookup in ("", "exact"):
        if value not in CHOICES[field]:
            raise BadExportFilter(name)
        return Q(**{field: value})
    if field in DATES and lookup in ("gte", "lt"):
        try:
            return Q(**{name: _date(value)})
        except (ValueError, OverflowError) as error:
            raise BadExportFilter(name) from error
    if field in DATES and lookup == "isnull":
        if value not in ("True", "False"):
            raise BadExportFilter(name)
        return Q(**{name: value == "True"})
    if name == "q":
        return Q(phone_number__icontains=value.replace("\x00", "").strip()) if value.strip() else Q()
    raise BadExportFilter(name)


def export_filter(request):
    """The list's filters in ``request.GET`` as one condition. Raises ``BadExportFilter`` naming the parameter."""
    condition = Q()
    for name, value in request.GET.items():
        if name not in IGNORED and value != "":
            condition &= _condition(name, value, request)
    return condition


@require_GET
@perms.required(perms.MANAGE_SUBSCRIBERS)
def export_csv(request):
    """The subscribers the list shows as CSV, streamed so a large list does not fill memory."""
    try:
        condition = export_filter(request)
    except BadExportFilter as bad:
        return HttpResponseBadRequest(
            _("The export cannot use the filter “%(name)s”: its value is not one the list offers.") % {"name": bad}
        )
    queryset = Subscriber.objects.filter(condition).select_related("site").order_by("pk")

    def rows():
        yield EXPORT_COLUMNS
        for subscriber in queryset.iterator(chunk_size=2000):
            yield [
                subscriber.phone_number or subscriber.wa_user_id,
                subscriber.profile_name,
                subscriber.status,
                subscriber.source,
                subscriber.site.hostname,
                subscriber.subscribed_at.isoformat() if subscriber.subscribed_at else "",
                subscriber.unsubscribed_at.isoformat() if subscriber.unsubscribed_at else "",
            ]

    site_id = query_id(request, "site") or query_id(request, "site__id__exact")
    logged_site = Site.objects.filter(pk=site_id).first() or Site.objects.order_by("-is_default_site", "pk").first()
    if logged_site is not None:
        # The search is a number: the audit log keeps that there was one, not its digits (erasure would have to hunt
        # them down in every export ever logged).
        filters = {name: MASK * len(value) if name == "q" else value for name, value in request.GET.items()}
        filters = {name: value for name, value in filters.items() if name not in IGNORED}
        log(logged_site, "wagtail_whatsapp.export", user=request.user, data={"filters": filters})
    return csv_download(rows(), f"whatsapp-subscribers-{timezone.localdate():%Y%m%d}.csv")
