"""The statistics as the admin shows them: rows for the page and the CSVs, and the dashboard's bar chart of the last
months drawn as SVG on the server (no JavaScript library), with a title, a description and a table beside it.

The figures themselves come from ``outbound/statistics.py``; nothing here reads a person.
"""

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from wagtail_whatsapp import conf
from wagtail_whatsapp.outbound import costs

CHART_MONTHS = 12
REACHED_COLOUR = "#25d366"  # WhatsApp's green, as the subscribers' chart
READ_COLOUR = "#128c7e"


def percent(rate):
    """ "42%" (in the active language's format), or "—" when nobody was reached."""
    if rate is None:
        return "—"
    return f"{number_format(round(rate * 100), use_l10n=True)}%"


def month_label(month):
    return date_format(month, "F Y")


def _row(figures, currency):
    return {
        "reached": figures.reached,
        "read": figures.read,
        "read_rate": percent(figures.read_rate),
        "unsubscribes": figures.unsubscribes,
        "cost": costs.format_amount(figures.cost, currency),
        "cost_is_estimate": figures.cost_is_estimate,
    }


def broadcast_rows(figures):
    currency = conf.prices().currency
    return [
        {
            **_row(row, currency),
            "pk": row.pk,
            "title": row.title,
            "started_at": row.started_at,
            "delivery_unknown": row.delivery_unknown,
        }
        for row in figures
    ]


def month_rows(months):
    currency = conf.prices().currency
    return [
        {
            **_row(month, currency),
            "month": month.month,
            "label": month_label(month.month),
            "broadcasts": month.broadcasts,
        }
        for month in months
    ]


def _csv_amount(amount):
    """Cents as a number, so a spreadsheet adds them up."""
    return float(round(amount, 2))


def _csv_rate(rate):
    return "" if rate is None else round(rate * 100, 1)


def broadcasts_csv_rows(figures, site_names):
    currency = conf.prices().currency
    yes, no = _("Yes"), _("No")
    yield [
        _("Site"), _("Started at"), _("Broadcast"), _("Reached"), pgettext("statistics", "Read"), _("Read rate (%)"),
        _("Unsubscribes within 24 hours"), _("Cost (%(currency)s)") % {"currency": currency}, _("Cost estimated"),
        _("Delivery unknown"),
    ]  # fmt: skip
    for row in figures:
        yield [
            site_names.get(row.site_id, ""),
            row.started_at.isoformat(),
            row.title,
            row.reached,
            row.read,
            _csv_rate(row.read_rate),
            row.unsubscribes,
            _csv_amount(row.cost),
            yes if row.cost_is_estimate else no,
            yes if row.delivery_unknown else no,
        ]


def months_csv_rows(months, site_name):
    currency = conf.prices().currency
    yes, no = _("Yes"), _("No")
    yield [
        _("Site"), _("Month"), _("Broadcasts"), _("Reached"), pgettext("statistics", "Read"), _("Read rate (%)"),
        _("Unsubscribes within 24 hours"), _("Cost (%(currency)s)") % {"currency": currency}, _("Cost estimated"),
    ]  # fmt: skip
    for month in months:
        yield [
            site_name,
            month.month.strftime("%Y-%m"),
            month.broadcasts,
            month.reached,
            month.read,
            _csv_rate(month.read_rate),
            month.unsubscribes,
            _csv_amount(month.cost),
            yes if month.cost_is_estimate else no,
        ]


def svg_bar_chart(months, width=640, height=180):
    """Two bars a month (reached, read) as inline SVG, labelled for screen readers; the page shows the same figures
    in a table."""
    if not months:
        return ""
    pad_left, pad_bottom, pad_top = 44, 22, 10
    plot_width, plot_height = width - pad_left - 8, height - pad_bottom - pad_top
    top = max(max(max(month.reached, month.read) for month in months), 1)
    slot = plot_width / len(months)
    bar = max(slot * 0.35, 1)
    base = pad_top + plot_height

    def rect(x, value, colour, label):
        bar_height = (value / top) * plot_height
        return (f"{x:.1f}", f"{base - bar_height:.1f}", f"{bar:.1f}", f"{bar_height:.1f}", colour, label)

    bars = []
    for index, month in enumerate(months):
        x = pad_left + index * slot + slot * 0.1
        name = month_label(month.month)
        bars.append(
            rect(
                x,
                month.reached,
                REACHED_COLOUR,
                ngettext("%(month)s: %(count)s message reached", "%(month)s: %(count)s messages reached", month.reached)
                % {"month": name, "count": month.reached},
            )
        )
        bars.append(
            rect(
                x + bar,
                month.read,
                READ_COLOUR,
                ngettext("%(month)s: %(count)s message read", "%(month)s: %(count)s messages read", month.read)
                % {"month": name, "count": month.read},
            )
        )
    first, last = months[0].month, months[-1].month
    title = _("Messages reached and read per month, from %(start)s to %(end)s") % {
        "start": month_label(first),
        "end": month_label(last),
    }
    description = _(
        "Green bars: messages delivered to citizens; dark bars: messages read. The table below gives the figures."
    )
    return format_html(
        '<svg class="w-whatsapp-chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="ww-statistics-chart-title ww-statistics-chart-desc" xmlns="http://www.w3.org/2000/svg" '
        "data-statistics-chart>"
        '<title id="ww-statistics-chart-title">{title}</title><desc id="ww-statistics-chart-desc">{description}</desc>'
        '<line x1="{pl}" y1="{base}" x2="{w}" y2="{base}" stroke="currentColor" stroke-opacity="0.3"/>'
        '<text x="{tx}" y="{ty_top}" font-size="11" text-anchor="end" fill="currentColor">{top}</text>'
        '<text x="{tx}" y="{base}" font-size="11" text-anchor="end" fill="currentColor">0</text>'
        '<text x="{pl}" y="{h}" font-size="11" fill="currentColor">{first}</text>'
        '<text x="{w}" y="{h}" font-size="11" text-anchor="end" fill="currentColor">{last}</text>'
        "{bars}</svg>",
        w=width,
        h=height - 4,
        pl=pad_left,
        base=f"{base:.1f}",
        tx=pad_left - 6,
        ty_top=pad_top + 8,
        top=top,
        title=title,
        description=description,
        first=date_format(first, "YEAR_MONTH_FORMAT"),
        last=date_format(last, "YEAR_MONTH_FORMAT"),
        bars=format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
            bars,
        ),
    )
