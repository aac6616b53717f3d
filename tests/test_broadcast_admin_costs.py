"""What a broadcast costs, in the admin: the estimate on the confirmation page, the monthly budget and the
``exceed_budget`` permission, what Meta billed in the report, the month's spending on the dashboard, and accepting a
template's new category (issue 12)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from wagtail.models import PageLogEntry
from wagtail.users.models import UserProfile

from tests.broadcast_admin import approved_template, make_news_page, make_subscribers, make_user
from wagtail_whatsapp.models import Broadcast, Delivery, MessageTemplate, WhatsAppSettings
from wagtail_whatsapp.outbound import costs
from wagtail_whatsapp.outbound.broadcasts import OverBudget, start_broadcast

pytestmark = pytest.mark.django_db


def confirm_url(page):
    return reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[page.pk])


@pytest.fixture
def ready(site, test_backend):
    """Three subscribers need the MARKETING template (3 × 0.0691 = 0.2073 USD), two wrote lately (free)."""
    make_subscribers(site, outside_window=3, inside_window=2)
    return approved_template(site)


def set_budget(site, amount):
    settings = WhatsAppSettings.for_site(site)
    settings.monthly_budget = Decimal(amount)
    settings.save()


@pytest.fixture
def budget_holder(django_user_model, site):
    return make_user(django_user_model, site, "holder", ["send_broadcast", "exceed_budget"])


def test_the_confirmation_page_shows_the_estimate(client, sender, news_page, ready):
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    assert "<strong data-cost-total>0.21 USD</strong>" in html
    assert "3 template messages × 0.0691 USD (category Marketing)" in html
    assert "2 free-form messages inside the 24 hours: 0.00 USD" in html
    assert "as of Jan. 1, 2026" in html


def test_the_estimate_in_italian_and_euro(client, sender, news_page, ready, settings):
    prices = {"CURRENCY": "EUR", "AS_OF": "2026-01-01", "MARKETING": "0.0572", "UTILITY": "0.02", "AUTHENTICATION": 0}
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "PRICES": prices}
    profile = UserProfile.get_for_user(sender)
    profile.preferred_language = "it"
    profile.save()
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    assert "<strong data-cost-total>0,17 €</strong>" in html
    assert "0,0572 €" in html


def test_free_when_everyone_wrote_lately(client, sender, site, news_page, test_backend):
    make_subscribers(site, outside_window=0, inside_window=2)
    approved_template(site)
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    assert "Free: every subscriber gets a free-form message inside the 24 hours." in html


def test_messages_held_by_the_daily_limit_are_shown_apart(client, sender, news_page, ready, settings):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "MESSAGING_LIMIT": 1}
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    assert "2 wait for WhatsApp's daily limit: 0.14 USD, billed over the next days" in html


def test_over_budget_without_the_permission_the_editor_sees_why_and_cannot_send(client, sender, site, news_page, ready):
    set_budget(site, "0.10")
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    problems = html[html.index("data-problems") :]
    assert "the monthly budget of 0.10 USD would be exceeded by 0.11 USD" in problems
    assert "Only a user with the “exceed budget” permission can send it" in problems
    assert html.count("would be exceeded by 0.11 USD") == 1
    assert "confirm_over_budget" not in html
    assert "disabled>" in html[html.index("ww-confirm-form") :]

    response = client.post(confirm_url(news_page), {"confirm_over_budget": "on"})
    assert response.status_code == 403
    assert not Broadcast.objects.exists()


def test_over_budget_a_budget_holder_must_tick_the_box(client, budget_holder, site, news_page, ready):
    set_budget(site, "0.10")
    client.force_login(budget_holder)
    html = client.get(confirm_url(news_page)).content.decode()
    assert "Yes, send it although it goes over this month" in html
    assert "Monthly budget 0.10 USD: 0.00 USD spent or committed this month." in html
    assert html.count("would be exceeded by 0.11 USD") == 1
    response = client.post(confirm_url(news_page), {})
    assert response.status_code == 200 and not Broadcast.objects.exists()
    assert "Tick the box to confirm that it should go anyway" in response.content.decode()

    response = client.post(confirm_url(news_page), {"confirm_over_budget": "on"})
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302 and broadcast.estimated_cost == Decimal("0.2073")
    entry = PageLogEntry.objects.get(page=news_page, action="wagtail_whatsapp.broadcast")
    assert "would be exceeded" in entry.data["over_budget"]


def test_within_budget_no_tick_is_asked(client, sender, site, news_page, ready):
    set_budget(site, "5")
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    assert (
        "Monthly budget 5.00 USD: 0.00 USD spent or committed this month, 4.79 USD left after this broadcast." in html
    )
    assert client.post(confirm_url(news_page), {}).status_code == 302


def test_the_month_counts_billed_messages_and_unfinished_estimates(site, news_page, ready):
    set_budget(site, "0.40")
    first = start_broadcast(news_page)  # queued: its 0.2073 is committed
    assert costs.month_spend(site).committed == Decimal("0.2073")
    with pytest.raises(OverBudget, match="would be exceeded"):
        start_broadcast(news_page)
    # Once billed, a message counts as billed instead of committed; a finished broadcast commits nothing more.
    Delivery.objects.create(
        broadcast=first, status="delivered", sent_at=first.created_at, billable=True, billing_category="marketing"
    )
    spend = costs.month_spend(site)
    assert (spend.billed, spend.committed) == (Decimal("0.0691"), Decimal("0.1382"))
    Broadcast.objects.filter(pk=first.pk).update(status=Broadcast.Status.DONE)
    assert costs.month_spend(site).spent == Decimal("0.0691")
    assert start_broadcast(news_page) is not None


def billed_broadcast(site):
    broadcast = Broadcast.objects.create(site=site, title="Avviso", message="...", estimated_cost=Decimal("0.2073"))
    for category in ("marketing", "marketing", "utility"):
        Delivery.objects.create(
            broadcast=broadcast, status="read", billable=True, billing_category=category, sent_at=broadcast.created_at
        )
    Delivery.objects.create(broadcast=broadcast, status="read", billable=False, billing_category="service")
    return broadcast


def test_the_report_shows_what_meta_billed_by_category(client, sender, site):
    broadcast = billed_broadcast(site)
    client.force_login(sender)
    html = client.get(reverse("wagtail_whatsapp_admin:broadcast_report", args=[broadcast.pk])).content.decode()
    assert (
        '<tr data-billing-category="MARKETING"><td>Marketing</td><td>2</td><td>0.0691 USD</td><td>0.14 USD</td>' in html
    )
    assert '<tr data-billing-category="UTILITY"><td>Utility</td><td>1</td><td>0.0300 USD</td><td>0.03 USD</td>' in html
    assert "<th data-billing-total>0.17 USD</th>" in html
    assert "Estimated before sending: 0.21 USD." in html


def test_the_deliveries_csv_says_what_meta_billed(client, sender, site):
    import csv
    import io

    broadcast = billed_broadcast(site)
    Delivery.objects.create(broadcast=broadcast, status="sent")  # no status with pricing yet
    client.force_login(sender)
    response = client.get(reverse("wagtail_whatsapp_admin:broadcast_deliveries_csv", args=[broadcast.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-2:] == ["Billed by Meta", "Billing category"]
    assert sorted(tuple(row[-2:]) for row in rows[1:]) == [
        ("", ""),
        ("No", "SERVICE"),
        ("Yes", "MARKETING"),
        ("Yes", "MARKETING"),
        ("Yes", "UTILITY"),
    ]


def test_the_dashboard_shows_the_months_spending_and_the_budget_left(client, sender, site, whatsapp_user):
    billed_broadcast(site)
    set_budget(site, "10")
    client.force_login(sender)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    spending = html[html.index("data-spending") :]
    assert "0.17 USD billed by Meta" in spending
    # The broadcast is still queued: what its estimate (0.2073) has not billed yet (0.1682) is still to come.
    assert "0.04 USD still to come from broadcasts in progress" in spending
    assert "budget 10.00 USD, 9.79 USD left" in spending
    # Moderators without the reports see no money.
    client.force_login(whatsapp_user("moderate_inbox"))
    assert "data-spending" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_an_editor_accepts_a_templates_new_category(client, sender, plain_editor, site, news_page, ready):
    MessageTemplate.objects.filter(pk=ready.pk).update(
        category="MARKETING", previous_category="UTILITY", category_change_pending=True
    )
    accept_url = reverse("wagtail_whatsapp_admin:broadcast_accept_category", args=[news_page.pk])
    client.force_login(sender)
    html = client.get(confirm_url(news_page)).content.decode()
    assert "Meta moved the template “notizia_comune” from the Utility category to Marketing" in html
    assert "costs 0.0691 USD instead of 0.0300 USD" in html
    assert "data-accept-category" in html

    client.force_login(plain_editor)
    assert client.post(accept_url).status_code == 403
    assert MessageTemplate.objects.get(pk=ready.pk).category_change_pending

    client.force_login(sender)
    response = client.post(accept_url)
    assert response.status_code == 302 and response.url == confirm_url(news_page)
    assert not MessageTemplate.objects.get(pk=ready.pk).category_change_pending
    entry = PageLogEntry.objects.get(page=news_page, action="wagtail_whatsapp.template_category_accepted")
    assert entry.user == sender and entry.data == {"template": "notizia_comune", "from": "UTILITY", "to": "MARKETING"}
    assert "data-problems" not in client.get(confirm_url(news_page)).content.decode()


def test_a_page_published_with_the_tick_over_budget_is_not_sent(site, ready):
    """Publishing is no explicit confirmation: over the budget, the page goes live and the history says why it was
    not sent; a budget holder sends it from the confirmation page."""
    set_budget(site, "0.10")
    page = make_news_page(site, title="Avviso", whatsapp_send_on_publish=True)
    assert not Broadcast.objects.exists()
    entry = PageLogEntry.objects.get(page=page, action="wagtail_whatsapp.broadcast_refused")
    assert "the monthly budget of 0.10 USD would be exceeded" in entry.data["reason"]
