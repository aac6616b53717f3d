"""What the editor is shown before sending: exact counts, template or free-form, what blocks the broadcast."""

import pytest

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.models import Subscriber
from wagtail_whatsapp.outbound.plan import plan_broadcast

pytestmark = pytest.mark.django_db


def test_counts_only_active_subscribers_and_splits_by_window(site, broadcast_template):
    subscribers(site, 7, in_window=3)
    subscribers(site, 1, start=100, status=Subscriber.Status.UNSUBSCRIBED)
    subscribers(site, 1, start=200, status=Subscriber.Status.BLOCKED)
    subscribers(site, 1, start=300, status=Subscriber.Status.UNREACHABLE)
    plan = plan_broadcast(news_page(site))
    assert (plan.recipients, plan.freeform_recipients, plan.template_recipients) == (7, 3, 4)
    # The site's only template has an image header and the page has no image: no template fits it, and the editor
    # is told so (the page is not refused for the image template's header).
    assert plan.template is None and broadcast_template.name not in " ".join(plan.problems)
    assert "no approved template for this page" in str(plan.problems[0])


def test_outside_the_window_without_template_is_refused_with_a_reason(site):
    subscribers(site, 5, in_window=2)
    plan = plan_broadcast(news_page(site))
    assert plan.problems
    assert "3 subscribers have not written in the last 24 hours" in str(plan.problems[0])


def test_everyone_inside_the_window_needs_no_template(site):
    subscribers(site, 4, in_window=4)
    page = news_page(site)
    plan = plan_broadcast(page)
    assert not plan.problems, plan.problems
    assert plan.template_recipients == 0
    assert page.title in plan.message and page.full_url in plan.message


def test_nobody_to_send_to_and_unpublished_pages_are_refused(site):
    page = news_page(site)
    assert "no active subscribers" in str(plan_broadcast(page).problems)
    subscribers(site, 2, in_window=2)
    page.unpublish()
    assert "Only a published page" in str(plan_broadcast(page).problems)


def test_a_page_sent_before_is_flagged(site, test_backend, django_capture_on_commit_callbacks):
    from wagtail_whatsapp.outbound.broadcasts import start_broadcast

    subscribers(site, 2, in_window=2)
    page = news_page(site)
    with django_capture_on_commit_callbacks(execute=True):
        start_broadcast(page)
    plan = plan_broadcast(page)
    assert plan.previous_broadcasts.count() == 1
    assert "already sent" in str(plan.warnings[0]) and "to 2 subscribers" in str(plan.warnings[0])
