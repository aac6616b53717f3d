"""What a broadcast costs, in the words and amounts the confirmation page shows (amounts formatted here, once)."""

from wagtail_whatsapp.outbound import costs


def choice_costs(shares, cost):
    """Each of the page's topics and places: who chose it among the recipients, and what their templates cost (a
    citizen who chose two of them counts under both)."""
    return [
        {
            "topic": share.topic,
            "recipients": share.recipients,
            "cost": costs.format_amount(
                cost.unit_price * share.template_recipients if cost.template_recipients else 0, cost.currency
            ),
        }
        for share in shares
    ]


def cost_summary(cost, budget):
    """The estimate and the month's budget as the confirmation page shows them (amounts already formatted)."""
    currency, spend = cost.currency, budget.spend
    return {
        "template_messages": cost.template_recipients,
        "freeform_messages": cost.freeform_recipients,
        "held": cost.held_recipients,
        "category": cost.category.upper(),
        "priced_as": cost.priced_as,
        "category_label": cost.category_label,
        "priced_as_label": cost.priced_as_label,
        "unit_price": costs.format_price(cost.unit_price, currency),
        "total": costs.format_amount(cost.total, currency),
        "held_cost": costs.format_amount(cost.held_cost, currency),
        "free": costs.format_amount(0, currency),
        "as_of": cost.prices_as_of,
        "has_budget": spend.budget is not None,
        "budget": costs.format_amount(spend.budget or 0, currency),
        "spent": costs.format_amount(spend.spent, currency),
        "left_after": costs.format_amount((spend.left or 0) - cost.total, currency),
        "over_budget": budget.exceeds,
        "over_budget_reason": budget.reason,
    }


def urgent_cost_summary(cost, urgent_plan):
    """An urgent alert's own estimate, when it is not the usual one: it reaches everyone whatever their topics, and
    may carry a UTILITY template at another price. None when both cost the same for the same template messages."""
    urgent_cost = costs.estimate(urgent_plan)
    if (urgent_cost.total, urgent_cost.template_recipients) == (cost.total, cost.template_recipients):
        return None
    return {
        "total": costs.format_amount(urgent_cost.total, urgent_cost.currency),
        "template_messages": urgent_cost.template_recipients,
        "unit_price": costs.format_price(urgent_cost.unit_price, urgent_cost.currency),
        "category_label": urgent_cost.category_label,
    }
