"""The statistics the town can show (issue 17), through the real admin views: the page per month and per broadcast,
its two CSVs and the dashboard's bar chart; who may open them; the figures on broadcasts with deliveries and
unsubscribes (23 hours after a broadcast counts, 25 hours after does not, overlaps go to the latest broadcast); no
number of a citizen anywhere; a fixed number of queries however many broadcasts there are."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Site

from tests.broadcast_admin import make_subscribers
from wagtail_whatsapp.models import Broadcast, ConsentRecord, Delivery
from wagtail_whatsapp.outbound import statistics

pytestmark = pytest.mark.django_db

PAGE = reverse("wagtail_whatsapp_admin:statistics")
MONTHS_CSV = reverse("wagtail_whatsapp_admin:statistics_months_csv")
BROADCASTS_CSV = reverse("wagtail_whatsapp_admin:statistics_broadcasts_csv")
S = Delivery.Status


def broadcast(site, title, started_at, deliveries=(), status=Broadcast.Status.DONE, estimated_cost=None):
    """A broadcast with its deliveries ``(subscriber, status, billing category or None)`` and the counters the status
    webhooks keep (cumulative: a read message was sent and delivered)."""
    rank = {S.SENT: 1, S.DELIVERED: 2, S.READ: 3}
    item = Broadcast.objects.create(
        site=site,
        title=title,
        message=title,
        status=status,
        started_at=started_at,
        estimated_cost=estimated_cost,
        recipients_count=len(deliveries),
        sent_count=sum(rank.get(state, 0) >= 1 for _s, state, _c in deliveries),
        delivered_count=sum(rank.get(state, 0) >= 2 for _s, state, _c in deliveries),
        read_count=sum(rank.get(state, 0) >= 3 for _s, state, _c in deliveries),
        failed_count=sum(state == S.FAILED for _s, state, _c in deliveries),
    )
    Delivery.objects.bulk_create(
        Delivery(
            broadcast=item,
            subscriber=subscriber,
            status=state,
            sent_at=started_at,
            billable=category is not None,
            billing_category=category or "",
        )
        for subscriber, state, category in deliveries
    )
    return item


def unsubscribe(site, subscriber, when, action=ConsentRecord.Action.UNSUBSCRIBE):
    return ConsentRecord.objects.create(
        site=site,
        subscriber=subscriber,
        action=action,
        created_at=when,
        phone_number=subscriber.phone_number,
        wa_user_id=subscriber.wa_user_id,
        message_text="CANCELLAMI",
    )


@pytest.fixture
def town(site):
    """Last month: A (2 read, 1 delivered, 1 sent only, 1 failed), B (no delivery receipt, an estimate only) and C
    (cancelled, started 2 hours after B). This month: D. Plus a scheduled broadcast not started and another site."""
    people = make_subscribers(site, outside_window=5, inside_window=0)
    for index, person in enumerate(people):
        person.wa_user_id = f"IT.{7000000000000001 + index}"
        person.save()
    this_month = statistics.first_of_month_back(1)
    last_month = statistics.first_of_month_back(2)
    t_a = last_month + timedelta(days=9, hours=10)
    t_b = t_a + timedelta(days=3)
    t_c = t_b + timedelta(hours=2)
    p1, p2, p3, p4, p5 = people
    a = broadcast(
        site,
        "Chiusura di via Roma",
        t_a,
        [
            (p1, S.READ, "marketing"),
            (p2, S.READ, "MARKETING"),
            (p3, S.DELIVERED, "UTILITY"),
            (p4, S.SENT, None),
            (p5, S.FAILED, "MARKETING"),
        ],  # fmt: skip
        estimated_cost=Decimal("0.3455"),
    )
    b = broadcast(site, "Festa patronale", t_b, [(p1, S.SENT, None), (p2, S.SENT, None), (p3, S.SENT, None)],
                  estimated_cost=Decimal("0.2000"))  # fmt: skip
    c = broadcast(site, "Annullato", t_c, [], status=Broadcast.Status.CANCELLED, estimated_cost=Decimal("1.0000"))
    d = broadcast(
        site,
        "Mercato del sabato",
        this_month + timedelta(minutes=1),
        [(p1, S.READ, "MARKETING"), (p2, S.DELIVERED, "MARKETING")],
    )
    Broadcast.objects.create(site=site, title="Domani", message="x", status=Broadcast.Status.SCHEDULED)

    unsubscribe(site, p5, t_a - timedelta(hours=1))  # before any broadcast: nobody's
    unsubscribe(site, p4, t_a + timedelta(hours=23))  # A
    unsubscribe(site, p3, t_a + timedelta(hours=25))  # too late for A, and B has not started: nobody's
    unsubscribe(site, p2, t_b + timedelta(hours=1))  # B
    unsubscribe(site, p1, t_c + timedelta(hours=1))  # B and C both in their 24 hours: the latest, C
    unsubscribe(site, p1, t_a + timedelta(hours=2), action=ConsentRecord.Action.SUBSCRIBE)  # not an unsubscribe

    other = Site.objects.create(hostname="frazione.example", port=80, root_page=site.root_page, site_name="Frazione")
    others = make_subscribers(other, outside_window=1, inside_window=0, start=3481000100)
    e = broadcast(other, "Altro comune", t_a, [(others[0], S.DELIVERED, "UTILITY")])
    unsubscribe(other, others[0], t_a + timedelta(hours=1))  # another site's: never A's
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "people": people + others, "site": site}


def figures_by_title(site):
    return {row.title: row for row in statistics.broadcast_figures(site)}


def test_figures_per_broadcast(town):
    rows = figures_by_title(town["site"])
    assert set(rows) == {"Chiusura di via Roma", "Festa patronale", "Annullato", "Mercato del sabato"}
    a, b, c, d = (rows[t] for t in ("Chiusura di via Roma", "Festa patronale", "Annullato", "Mercato del sabato"))
    # Reached = delivered (read ones included); the failed and the sent-only ones did not reach anybody known.
    assert (a.reached, a.read, a.read_rate, a.delivery_unknown) == (3, 2, pytest.approx(2 / 3), False)
    assert (a.unsubscribes, a.cost, a.cost_is_estimate) == (1, Decimal("0.0691") * 2 + Decimal("0.0300"), False)
    # No delivery receipt at all: the sent messages stand for reached, flagged; nothing billed: the estimate.
    assert (b.reached, b.read, b.delivery_unknown, b.unsubscribes) == (3, 0, True, 1)
    assert (b.cost, b.cost_is_estimate) == (Decimal("0.2000"), True)
    # Cancelled before sending: no estimate counts; the unsubscribe in B's and C's 24 hours is C's (the latest).
    assert (c.reached, c.read_rate, c.unsubscribes, c.cost, c.cost_is_estimate) == (0, None, 1, Decimal("0"), False)
    assert (d.reached, d.read, d.read_rate, d.unsubscribes, d.cost) == (2, 1, 0.5, 0, Decimal("0.1382"))


def test_figures_per_month(town):
    last, this = statistics.month_figures(statistics.broadcast_figures(town["site"]))[::-1]
    assert (last.broadcasts, last.reached, last.read, last.unsubscribes) == (3, 6, 2, 3)
    assert (last.cost, last.cost_is_estimate) == (Decimal("0.3682"), True)
    assert (this.broadcasts, this.reached, this.read, this.unsubscribes, this.cost) == (1, 2, 1, 0, Decimal("0.1382"))
    months = statistics.last_months(12)  # every site, empty months included
    assert len(months) == 12 and months[-1].month == this.month and months[-2].month == last.month
    assert (months[-2].reached, months[-2].unsubscribes) == (7, 4)  # with the other site's broadcast
    assert sum(month.broadcasts for month in months[:-2]) == 0


def assert_no_number(text, town):
    for person in town["people"]:
        digits = person.phone_number.lstrip("+")
        for shown in (person.phone_number, digits, digits[2:], person.wa_user_id):
            assert not shown or shown not in text, shown


def test_page_per_month_and_per_broadcast(client, town, whatsapp_user):
    client.force_login(whatsapp_user("view_reports"))
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_number(html, town)
    month_row = re.search(r'<tr data-month="[\d-]+">.*?</tr>', html, re.S).group()  # newest first: this month
    assert re.search(r'data-figure="reached">2<', month_row) and "50%" in month_row and "0.14 USD" in month_row
    a_row = re.search(rf'<tr data-broadcast="{town["a"].pk}">.*?</tr>', html, re.S).group()
    assert 'data-figure="reached">3<' in a_row and "67%" in a_row and "0.17 USD" in a_row
    assert 'data-figure="unsubscribes">1<' in a_row and "estimate" not in a_row
    b_row = re.search(rf'<tr data-broadcast="{town["b"].pk}">.*?</tr>', html, re.S).group()
    assert "0.20 USD" in b_row and "(estimate)" in b_row and "no delivery receipt" in b_row
    assert "Altro comune" not in html and "Domani" not in html  # another site's; not started
    other = Site.objects.get(hostname="frazione.example")
    assert "Altro comune" in client.get(PAGE, {"site": other.pk}).content.decode()


def read_csv(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return text, list(csv.reader(io.StringIO(text)))


def test_csv_per_month_and_per_broadcast(client, town, sender):
    client.force_login(sender)
    text, rows = read_csv(client.get(MONTHS_CSV))
    assert_no_number(text, town)
    assert rows[0][:6] == ["Site", "Month", "Broadcasts", "Reached", "Read", "Read rate (%)"]
    this, last = rows[1], rows[2]
    assert this[2:9] == ["1", "2", "1", "50.0", "0", "0.14", "No"]
    assert last[2:9] == ["3", "6", "2", "33.3", "3", "0.37", "Yes"]
    text, rows = read_csv(client.get(BROADCASTS_CSV))
    assert_no_number(text, town)
    by_title = {row[2]: row for row in rows[1:]}
    assert by_title["Chiusura di via Roma"][3:] == ["3", "2", "66.7", "1", "0.17", "No", "No"]
    assert by_title["Festa patronale"][3:] == ["3", "0", "0.0", "1", "0.2", "Yes", "Yes"]
    assert by_title["Annullato"][5] == ""  # no read rate when nobody was reached


def test_dashboard_chart(client, town, whatsapp_user):
    client.force_login(whatsapp_user("view_reports"))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert_no_number(html, town)
    chart = re.search(r"<svg[^>]*data-statistics-chart.*?</svg>", html, re.S).group()
    assert 'role="img"' in chart and "<title" in chart and "<desc" in chart
    assert chart.count("<rect") == 24  # two bars a month, twelve months
    table = re.search(r"<details data-statistics-table>.*?</details>", html, re.S).group()
    rows = re.findall(r"<tr data-month=.*?</tr>", table, re.S)
    assert len(rows) == 12
    assert re.search(r"<td>7</td><td>2</td><td>29%</td>", rows[-2])  # last month, every site
    assert PAGE in html


def test_only_report_readers_see_statistics(client, town, whatsapp_user, plain_editor):
    for user in (plain_editor, whatsapp_user("moderate_inbox"), whatsapp_user("manage_subscribers")):
        client.force_login(user)
        for url in (PAGE, MONTHS_CSV, BROADCASTS_CSV):
            assert client.get(url).status_code == 403, url
        home = client.get(reverse("wagtailadmin_home")).content.decode()
        assert "data-statistics-chart" not in home and PAGE not in home  # neither the chart nor the menu item
    client.force_login(whatsapp_user("send_broadcast"))
    assert client.get(PAGE).status_code == 200
    assert PAGE in client.get(reverse("wagtailadmin_home")).content.decode()  # the menu item and the panel's link


def test_bad_site_in_the_address(client, town, whatsapp_user):
    client.force_login(whatsapp_user("view_reports"))
    assert client.get(PAGE, {"site": "x"}).status_code == 400
    assert client.get(BROADCASTS_CSV, {"site": "999999"}).status_code == 404


def test_italian_labels(client, town, whatsapp_user, settings):
    settings.LANGUAGE_CODE = "it"
    client.force_login(whatsapp_user("view_reports"))
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    for words in ("Statistiche WhatsApp", "Per mese", "Per invio", "Raggiunti", "Letti", "Disiscritti entro 24 ore",
                  "stima", "4 invii avviati", "Scarica per mese (CSV)"):  # fmt: skip
        assert words in html, words
    _text, rows = read_csv(client.get(MONTHS_CSV, HTTP_ACCEPT_LANGUAGE="it"))
    assert rows[0][:3] == ["Sito", "Mese", "Invii"]
    home = client.get(reverse("wagtailadmin_home"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Messaggi raggiunti e letti, ultimi 12 mesi" in home and "Mostra i dati in una tabella" in home


def more_broadcasts(site, people, count):
    start = statistics.first_of_month_back(3)
    for n in range(count):
        when = start + timedelta(days=n % 60, hours=n)
        item = broadcast(site, f"Avviso {n}", when, [(p, S.READ, "MARKETING") for p in people])
        unsubscribe(site, people[n % len(people)], when + timedelta(hours=1))
        item.save()


def test_a_fixed_number_of_queries(client, town, whatsapp_user):
    """Three queries for every figure, whatever the number of broadcasts, deliveries and unsubscribes."""
    site, people = town["site"], town["people"][:5]
    with CaptureQueriesContext(connection) as few:
        statistics.broadcast_figures(site)
    assert len(few) == 3
    client.force_login(whatsapp_user("view_reports"))

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
            assert client.get(reverse("wagtailadmin_home")).status_code == 200
            read_csv(client.get(BROADCASTS_CSV))
        return len(queries)

    page_queries()  # the first requests fill caches (the user's session, site settings...)
    before = page_queries()
    more_broadcasts(site, people, 30)
    with CaptureQueriesContext(connection) as many:
        figures = statistics.broadcast_figures(site)
    assert len(many) == 3 and len(figures) == 34
    assert page_queries() == before
