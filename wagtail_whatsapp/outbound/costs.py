"""What broadcasts cost: the estimate before sending, what Meta billed after, and the site's month against its budget.

Meta bills each delivered template message by the template's category and the recipient's country (prices in
``WAGTAIL_WHATSAPP['PRICES']``, read by ``conf.prices()``); free-form messages inside the 24-hour window are free.
Amounts are in the currency of those prices. What Meta actually billed comes from the ``pricing`` object of its status
webhooks, recorded on each Delivery by ``inbound/statuses.py``.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from wagtail_whatsapp import conf
from wagtail_whatsapp.models import Broadcast, Delivery, MessageTemplate, WhatsAppSettings
from wagtail_whatsapp.outbound import messaging_limit

# A category the prices do not name (or a template not synced with its category) is priced as the dearest one:
# an estimate may be too high, never too low.
FALLBACK_CATEGORY = "MARKETING"
# Broadcasts that may still send (and be billed): their estimate not billed yet counts against the month's budget.
UNFINISHED_STATUSES = (Broadcast.Status.QUEUED, Broadcast.Status.SENDING, Broadcast.Status.PAUSED)
CURRENCY_SYMBOLS = {"EUR": "€"}


def format_amount(amount, currency, decimals=2):
    """``amount`` rounded, in the active language's format with its currency: "1.234,56 €" in Italian, "1,234.56 USD"
    in English. (Django's number_format cuts instead of rounding: round first.)"""
    rounded = Decimal(amount).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return f"{text} {CURRENCY_SYMBOLS.get(currency, currency)}"


def format_price(amount, currency):
    """A price per message keeps Meta's four decimals: "0,0691 €"."""
    return format_amount(amount, currency, decimals=4)


def price_of(category, prices=None):
    """``(price, category priced)`` of one template message of ``category``."""
    prices = prices or conf.prices()
    category = str(category or "").upper()
    price = prices.of(category)
    if price is None:
        return prices.of(FALLBACK_CATEGORY), FALLBACK_CATEGORY
    return price, category


def is_dearer(old_category, new_category):
    """True when a template moved from ``old_category`` to a category with a higher price."""
    prices = conf.prices()
    return price_of(new_category, prices)[0] > price_of(old_category, prices)[0]


@dataclass(frozen=True)
class CostEstimate:
    currency: str
    prices_as_of: datetime.date
    template_recipients: int
    freeform_recipients: int
    held_recipients: int  # of the template recipients: waiting for the daily limit's places, sent and billed later
    category: str = ""  # the template's category as Meta named it ("" when nobody needs the template)
    priced_as: str = ""  # the category whose price is used (FALLBACK_CATEGORY when ``category`` has none)
    unit_price: Decimal = Decimal("0")

    @property
    def total(self):
        return self.unit_price * self.template_recipients

    @property
    def category_label(self):
        return MessageTemplate.category_label(self.category)

    @property
    def priced_as_label(self):
        return MessageTemplate.category_label(self.priced_as)

    @property
    def held_cost(self):
        return self.unit_price * self.held_recipients

    def as_json(self):
        """Stable keys for ``whatsapp_broadcast --dry-run --json``; amounts as exact decimal strings."""
        return {
            "currency": self.currency,
            "prices_as_of": self.prices_as_of.isoformat(),
            "category": self.category,
            "priced_as": self.priced_as,
            "unit_price": str(self.unit_price),
            "template_messages": self.template_recipients,
            "freeform_messages": self.freeform_recipients,
            "held_by_daily_limit": self.held_recipients,
            "held_cost": str(self.held_cost),
            "total": str(self.total),
        }


def estimate(plan):
    """The cost of ``plan`` (a ``plan.BroadcastPlan``): template recipients × the price of the template's category."""
    prices = conf.prices()
    template = plan.template if plan.template_recipients else None
    unit_price, priced_as, category, held = Decimal("0"), "", "", 0
    if template is not None:
        category = template.category
        unit_price, priced_as = price_of(category, prices)
        held = messaging_limit.held_back(plan.site, plan.template_recipients)
    return CostEstimate(
        currency=prices.currency,
        prices_as_of=prices.as_of,
        template_recipients=plan.template_recipients if template is not None else 0,
        freeform_recipients=plan.freeform_recipients,
        held_recipients=held,
        category=category,
        priced_as=priced_as,
        unit_price=unit_price,
    )


@dataclass(frozen=True)
class BilledCategory:
    category: str
    messages: int
    unit_price: Decimal
    amount: Decimal

    @property
    def label(self):
        return MessageTemplate.category_label(self.category)


def billed_by_category(deliveries, prices=None):
    """``(rows, total)``: the billed messages among ``deliveries`` by Meta's category, priced with the settings."""
    prices = prices or conf.prices()
    counts = {}
    for category, count in deliveries.billed().values_list("billing_category").annotate(n=Count("pk")).order_by():
        category = str(category or "").upper()
        counts[category] = counts.get(category, 0) + count
    rows = []
    for category, count in sorted(counts.items()):
        unit_price = price_of(category, prices)[0]
        rows.append(BilledCategory(category or FALLBACK_CATEGORY, count, unit_price, unit_price * count))
    return rows, sum((row.amount for row in rows), Decimal("0"))


def start_of_month(now=None):
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class MonthSpend:
    currency: str
    budget: Decimal | None
    billed: Decimal  # what Meta billed since the first of the month
    committed: Decimal  # estimates of unfinished broadcasts, less what they were billed already

    @property
    def spent(self):
        return self.billed + self.committed

    @property
    def left(self):
        return None if self.budget is None else self.budget - self.spent


def month_spend(site, now=None):
    """The site's spending this month against its budget (Settings → WhatsApp)."""
    prices = conf.prices()
    since = start_of_month(now)
    _rows, billed_total = billed_by_category(Delivery.objects.filter(broadcast__site=site, sent_at__gte=since), prices)
    committed = Decimal("0")
    unfinished = Broadcast.objects.filter(site=site, status__in=UNFINISHED_STATUSES, estimated_cost__isnull=False)
    for broadcast in unfinished.only("pk", "estimated_cost"):
        already = billed_by_category(Delivery.objects.filter(broadcast=broadcast), prices)[1]
        committed += max(Decimal("0"), broadcast.estimated_cost - already)
    budget = WhatsAppSettings.for_site(site).monthly_budget
    return MonthSpend(currency=prices.currency, budget=budget, billed=billed_total, committed=committed)


@dataclass(frozen=True)
class BudgetCheck:
    spend: MonthSpend
    estimate: CostEstimate

    @property
    def exceeds(self):
        budget = self.spend.budget
        return budget is not None and self.estimate.total > 0 and self.spend.spent + self.estimate.total > budget

    @property
    def reason(self):
        """Why the broadcast goes over the budget, for the editor (empty when it does not)."""
        if not self.exceeds:
            return ""
        currency = self.estimate.currency
        return _(
            "This broadcast would cost about %(cost)s. This month %(spent)s is already spent or committed to "
            "broadcasts still sending, so the monthly budget of %(budget)s would be exceeded by %(over)s."
        ) % {
            "cost": format_amount(self.estimate.total, currency),
            "spent": format_amount(self.spend.spent, currency),
            "budget": format_amount(self.spend.budget, currency),
            "over": format_amount(self.spend.spent + self.estimate.total - self.spend.budget, currency),
        }


def check_budget(plan, cost=None):
    return BudgetCheck(spend=month_spend(plan.site), estimate=cost or estimate(plan))


def category_change_problem(template):
    """The problem a template moved by Meta to a dearer category raises until an editor accepts it; or None."""
    if template is None or not template.category_change_pending:
        return None
    prices = conf.prices()
    return _(
        "Meta moved the template “%(name)s” from the %(old)s category to %(new)s: each message to a subscriber who "
        "has not written in the last 24 hours now costs %(new_price)s instead of %(old_price)s. An editor must "
        "accept the new price before the template is used again."
    ) % {
        "name": template.name,
        "old": template.get_previous_category_display() or "?",
        "new": template.get_category_display(),
        "new_price": format_price(price_of(template.category, prices)[0], prices.currency),
        "old_price": format_price(price_of(template.previous_category, prices)[0], prices.currency),
    }
