"""What Meta bills, from the ``pricing`` object of status webhooks, and Meta's category changes of templates
(issue 12: cost after sending, category updates)."""

import pytest

from tests.broadcast_admin import approved_template, make_news_page, make_subscribers
from tests.signing import load_webhook
from wagtail_whatsapp.models import Broadcast, Delivery, MessageTemplate, Subscriber
from wagtail_whatsapp.outbound import costs
from wagtail_whatsapp.outbound.broadcasts import start_broadcast
from wagtail_whatsapp.outbound.plan import BroadcastRefused, plan_broadcast
from wagtail_whatsapp.outbound.templates import accept_category_change
from wagtail_whatsapp.sandbox.simulate import status_payload

NUMBER_ID = "106540352242922"
PRICED = load_webhook("webhook_status_pricing_marketing")
WAMID = PRICED["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(site):
    broadcast = Broadcast.objects.create(site=site, title="Chiusura via Roma", message="...", recipients_count=1)
    subscriber = Subscriber.objects.create(site=site, phone_number="+393331234567")
    return Delivery.objects.create(
        broadcast=broadcast, subscriber=subscriber, status="sending", wamid=WAMID, used_template=True
    )


def status(state, at, pricing=None):
    item = {"id": WAMID, "status": state, "recipient_id": "393331234567", "timestamp": str(at)}
    if pricing is not None:
        item["pricing"] = pricing
    return item


def test_pricing_is_recorded_once_although_meta_sends_it_three_times_and_retries(webhook, delivery):
    assert webhook.post(load_webhook("webhook_status_pricing_marketing")).status_code == 200
    assert webhook.post(load_webhook("webhook_status_pricing_marketing")).status_code == 200  # Meta's retry
    delivery.refresh_from_db()
    assert delivery.status == "read"
    assert (delivery.billable, delivery.billing_category, delivery.pricing_model, delivery.pricing_type) == (
        True,
        "marketing",
        "PMP",
        "regular",
    )
    rows, total = costs.billed_by_category(Delivery.objects.filter(broadcast=delivery.broadcast))
    assert [(row.category, row.messages) for row in rows] == [("MARKETING", 1)]
    assert str(total) == "0.0691"


def test_the_most_advanced_status_decides_even_when_it_arrives_first(webhook, delivery):
    free = {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}
    billed = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
    webhook.post(status_payload(NUMBER_ID, [status("delivered", 1750000010, free)]))
    webhook.post(status_payload(NUMBER_ID, [status("sent", 1750000000, billed)]))  # late, and less advanced
    delivery.refresh_from_db()
    assert (delivery.billable, delivery.billing_category) == (False, "service")
    # A pricing that changes at a later status replaces the earlier one.
    webhook.post(status_payload(NUMBER_ID, [status("read", 1750000020, billed)]))
    delivery.refresh_from_db()
    assert (delivery.billable, delivery.billing_category) == (True, "utility")


def test_statuses_without_pricing_or_with_a_broken_one_bill_nothing(webhook, delivery):
    webhook.post(status_payload(NUMBER_ID, [status("sent", 1750000000)]))
    webhook.post(status_payload(NUMBER_ID, [status("delivered", 1750000001, {"billable": "yes", "category": 7})]))
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert delivery.billable is None and delivery.billing_category == ""
    assert costs.billed_by_category(Delivery.objects.all())[1] == 0


def test_a_failed_message_is_not_billed(webhook, delivery):
    webhook.post(status_payload(NUMBER_ID, [status("sent", 1750000000, PRICED_MARKETING)]))
    assert Delivery.objects.billed().count() == 1
    failed = load_webhook("webhook_status_failed_131049")
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = WAMID
    webhook.post(failed)
    assert Delivery.objects.get().status == "failed"
    assert Delivery.objects.billed().count() == 0


PRICED_MARKETING = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "marketing"}


# --- Meta moves a template to another category ----------------------------------------------------------------------


@pytest.fixture
def utility_alert(site, test_backend):
    """The site's broadcast template, approved as UTILITY: the ``allerta_meteo`` of Meta's category-update sample."""
    make_subscribers(site, outside_window=3, inside_window=0)
    return approved_template(site, name="allerta_meteo", category="UTILITY", template_id="1304694804498707")


def test_a_dearer_category_pauses_new_and_running_broadcasts_until_an_editor_accepts(webhook, site, utility_alert):
    page = make_news_page(site)
    running = start_broadcast(page)
    Broadcast.objects.filter(pk=running.pk).update(status=Broadcast.Status.SENDING)

    for _attempt in range(2):  # Meta retries: the second copy changes nothing more
        assert webhook.post(load_webhook("webhook_template_category_update")).status_code == 200

    template = MessageTemplate.objects.get(pk=utility_alert.pk)
    assert (template.category, template.previous_category, template.category_change_pending) == (
        "MARKETING",
        "UTILITY",
        True,
    )
    running.refresh_from_db()
    assert running.status == Broadcast.Status.PAUSED
    assert "allerta_meteo" in running.status_reason and "Marketing" in running.status_reason

    problems = " ".join(plan_broadcast(page).problems)
    assert "from the Utility category to Marketing" in problems and "0.0691" in problems
    with pytest.raises(BroadcastRefused, match="must accept the new price"):
        start_broadcast(page)

    assert accept_category_change(template) is True
    assert accept_category_change(template) is False  # nothing left to accept
    assert plan_broadcast(page).problems == []
    assert start_broadcast(page) is not None


def test_a_cheaper_category_pauses_nothing(site, utility_alert):
    from wagtail_whatsapp.outbound.templates import apply_template_webhook

    MessageTemplate.objects.filter(pk=utility_alert.pk).update(category="MARKETING")
    value = {"message_template_id": 1304694804498707, "previous_category": "MARKETING", "new_category": "UTILITY"}
    assert apply_template_webhook("template_category_update", value) == 1
    assert apply_template_webhook("template_category_update", value) == 0  # Meta's retry changes nothing
    template = MessageTemplate.objects.get(pk=utility_alert.pk)
    assert (template.category, template.category_change_pending) == ("UTILITY", False)


def test_moved_again_before_anyone_accepted_compares_with_the_accepted_category(site, utility_alert):
    from wagtail_whatsapp.outbound.templates import apply_template_webhook

    template_id = {"message_template_id": 1304694804498707}
    apply_template_webhook("template_category_update", {**template_id, "new_category": "MARKETING"})
    apply_template_webhook("template_category_update", {**template_id, "new_category": "AUTHENTICATION"})
    template = MessageTemplate.objects.get(pk=utility_alert.pk)
    # AUTHENTICATION costs what UTILITY (the category the town accepted) cost: nothing left to accept.
    assert (template.category, template.previous_category, template.category_change_pending) == (
        "AUTHENTICATION",
        "UTILITY",
        False,
    )
