"""What the town can show about its broadcasts, per broadcast and per month: aggregate figures, never a person.

- **Reached**: messages Meta confirmed delivered to the phone (a read message was delivered too: the broadcast's
  counters are cumulative). A broadcast for which Meta sent no delivery receipt at all (no "delivered" nor "read"
  status, as with a backend that reports none) counts the messages Meta accepted ("sent") instead, and says so
  (``delivery_unknown``).
- **Read** and **read rate**: read receipts over reached (citizens who turned read receipts off never send one, so
  the rate is a lower bound).
- **Unsubscribes within 24 hours**: the site's UNSUBSCRIBE consent records in ``[started_at, started_at + 24h)``.
  When broadcasts overlap, an unsubscribe is attributed once, to the latest broadcast that started before it.
- **Cost**: what Meta billed (its status webhooks' ``pricing``, priced with ``WAGTAIL_WHATSAPP['PRICES']`` as in
  ``costs.py``); a broadcast nothing was billed for yet shows its estimate (``cost_is_estimate``) while it still
  sends or once done, and nothing when it was cancelled or failed.

A month is the month a broadcast started, in the site's time zone. Every figure comes from a fixed number of
aggregate queries (broadcasts, billed messages per broadcast and category, unsubscribes per broadcast), whatever
the number of broadcasts and deliveries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from wagtail_whatsapp import conf
from wagtail_whatsapp.models import Broadcast, ConsentRecord, Delivery
from wagtail_whatsapp.outbound import costs

UNSUBSCRIBE_WINDOW = timedelta(hours=24)
# With nothing billed, the estimate stands for the cost of a broadcast that sends or sent; not of one stopped.
ESTIMATED_STATUSES = (*costs.UNFINISHED_STATUSES, Broadcast.Status.DONE)


@dataclass(frozen=True)
class BroadcastFigures:
    pk: int
    site_id: int
    title: str
    started_at: object  # an aware datetime
    reached: int
    read: int
    delivery_unknown: bool
    unsubscribes: int
    cost: Decimal
    cost_is_estimate: bool

    @property
    def month(self):
        return timezone.localtime(self.started_at).date().replace(day=1)

    @property
    def read_rate(self):
        return read_rate(self.read, self.reached)


@dataclass
class MonthFigures:
    month: date
    broadcasts: int = 0
    reached: int = 0
    read: int = 0
    unsubscribes: int = 0
    cost: Decimal = field(default_factory=lambda: Decimal("0"))
    cost_is_estimate: bool = False  # some of the cost is an estimate

    @property
    def read_rate(self):
        return read_rate(self.read, self.reached)

    def add(self, figures):
        self.broadcasts += 1
        self.reached += figures.reached
        self.read += figures.read
        self.unsubscribes += figures.unsubscribes
        self.cost += figures.cost
        self.cost_is_estimate = self.cost_is_estimate or figures.cost_is_estimate


def read_rate(read, reached):
    """Read over reached, between 0 and 1; None when nobody was reached."""
    return min(1.0, read / reached) if reached else None


def started_broadcasts(site=None, since=None):
    """Broadcasts that started sending (scheduled ones not yet started, and test sends, reached nobody)."""
    broadcasts = Broadcast.objects.filter(started_at__isnull=False)
    if site is not None:
        broadcasts = broadcasts.filter(site=site)
    if since is not None:
        broadcasts = broadcasts.filter(started_at__gte=since)
    return broadcasts.order_by("-started_at", "-pk")


def _billed_per_broadcast(broadcasts, prices):
    """``{broadcast id: amount billed}``: one query, grouped by broadcast and Meta's category."""
    rows = (
        Delivery.objects.filter(broadcast__in=broadcasts)
        .billed()
        .values_list("broadcast_id", "billing_category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    billed = defaultdict(Decimal)
    for broadcast_id, category, count in rows:
        billed[broadcast_id] += costs.price_of(category, prices)[0] * count
    return billed


def _unsubscribes_per_broadcast(broadcasts, since=None):
    """``{broadcast id: unsubscribes}``: each unsubscribe of the site goes to the latest broadcast started in the 24
    hours before it. One query: the consent log is matched to broadcasts inside the database."""
    latest_before = (
        Broadcast.objects.filter(
            site_id=OuterRef("site_id"),
            started_at__isnull=False,
            started_at__lte=OuterRef("created_at"),
            started_at__gt=OuterRef("created_at") - UNSUBSCRIBE_WINDOW,
        )
        .order_by("-started_at", "-pk")
        .values("pk")[:1]
    )
    rows = (
        ConsentRecord.objects.filter(action=ConsentRecord.Action.UNSUBSCRIBE)
        .filter(site_id__in=broadcasts.values("site_id"))
        .filter(**({"created_at__gte": since} if since is not None else {}))
        .annotate(broadcast_id=Subquery(latest_before))
        .filter(broadcast_id__in=broadcasts.values("pk"))
        .values_list("broadcast_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def broadcast_figures(site=None, since=None):
    """Figures of every broadcast started (on ``site``, since ``since``), newest first: three queries in all."""
    prices = conf.prices()
    broadcasts = started_broadcasts(site, since)
    billed = _billed_per_broadcast(broadcasts, prices)
    unsubscribes = _unsubscribes_per_broadcast(broadcasts, since)
    rows = broadcasts.values_list(
        "pk", "site_id", "title", "started_at", "status", "sent_count", "delivered_count", "read_count",
        "estimated_cost",
    )  # fmt: skip
    figures = []
    for pk, site_id, title, started_at, status, sent, delivered, read, estimated_cost in rows:
        delivery_unknown = not delivered and not read and sent > 0
        cost, is_estimate = billed.get(pk), False
        if cost is None:
            is_estimate = estimated_cost is not None and status in ESTIMATED_STATUSES and estimated_cost > 0
            cost = estimated_cost if is_estimate else Decimal("0")
        figures.append(
            BroadcastFigures(
                pk=pk,
                site_id=site_id,
                title=title,
                started_at=started_at,
                reached=sent if delivery_unknown else delivered,
                read=read,
                delivery_unknown=delivery_unknown,
                unsubscribes=unsubscribes.get(pk, 0),
                cost=cost,
                cost_is_estimate=is_estimate,
            )
        )
    return figures


def month_figures(figures):
    """The broadcasts' figures summed per month they started in, newest month first."""
    months = {}
    for row in figures:
        months.setdefault(row.month, MonthFigures(row.month)).add(row)
    return sorted(months.values(), key=lambda month: month.month, reverse=True)


def first_of_month_back(months, now=None):
    """The first day (local midnight) of the month ``months - 1`` months before this one."""
    start = costs.start_of_month(now)
    for _step in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return start


def last_months(months=12, site=None, now=None):
    """The last ``months`` months, oldest first, each with its figures (empty months included: a chart's gaps)."""
    since = first_of_month_back(months, now)
    by_month = {month.month: month for month in month_figures(broadcast_figures(site, since))}
    result, day = [], since.date()
    for _step in range(months):
        result.append(by_month.get(day, MonthFigures(day)))
        day = (day + timedelta(days=32)).replace(day=1)
    return result
