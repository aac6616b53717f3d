"""The editor's side of topics and urgent alerts in a real browser (Debian's chromium driven by Playwright): the
confirmation page of a page about one topic counts who chose it, and a holder of send_urgent who ticks "Urgent (civil
protection)" sees the button count everyone — and everyone receives the alert, whatever they chose."""

import re

import pytest

from tests.broadcasting import news_page
from tests.browser import chromium_context, screenshot_folder
from tests.topics import add_topics, subscriber_choosing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "browser-test-password"  # noqa: S105 (a throwaway test user)


@pytest.fixture
def editor_page(monkeypatch):
    with chromium_context(monkeypatch, locale="en-GB", viewport={"width": 1280, "height": 900}) as context:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.set_default_navigation_timeout(90_000)  # a loaded CI machine serves the first admin page slowly
        yield page


def test_an_editor_sees_who_chose_the_topic_and_an_urgent_alert_reaches_everyone(
    site, live_server, settings, django_user_model, editor_page, tmp_path
):
    from tests.pages_helpers import configure
    from wagtail_whatsapp.models import Broadcast, SandboxMessage, WhatsAppSettings

    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BACKEND": "sandbox"}
    configure(site)
    django_user_model.objects.create_superuser("redazione", "redazione@comune.esempio.it", PASSWORD)
    [roads, events] = add_topics(WhatsAppSettings.for_site(site), "Viabilità", "Eventi")
    subscriber_choosing(site, "+393330000001", roads, in_window=True)
    subscriber_choosing(site, "+393330000002", events, in_window=True)
    subscriber_choosing(site, "+393330000003", in_window=True)  # no choice: everything
    news = news_page(site, title="Frana sulla provinciale")
    news.whatsapp_topics.set([roads])
    news.save_revision().publish()
    screenshots = screenshot_folder(tmp_path)

    page = editor_page
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("redazione")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(f"{live_server.url}/admin/whatsapp/pages/{news.pk}/send/")
    shares = page.locator("[data-choice-shares]")
    assert shares.locator(f'[data-choice="{roads.pk}"]').get_attribute("data-choice-count") == "1"
    assert shares.locator('[data-choice="none"]').get_attribute("data-choice-count") == "1"
    assert page.get_by_role("button", name="Send to 2 subscribers now").is_visible()

    page.get_by_label("Urgent (civil protection)").check()
    button = page.get_by_role("button", name="Send now, urgent: 3 subscribers")
    assert button.is_visible()
    page.screenshot(path=screenshots / "confirm-urgent-topics.png", full_page=True)
    button.click()
    page.wait_for_url(re.compile(r"/admin/whatsapp/broadcasts/\d+/$"))

    broadcast = Broadcast.objects.get(page=news)
    assert broadcast.urgent
    from wagtail_whatsapp.outbound import sender as sending

    sending.send_broadcast(broadcast.pk)  # the tests' Huey ran the task already; this finishes nothing twice
    reached = set(SandboxMessage.objects.filter(direction="out").values_list("recipient", flat=True))
    assert reached == {"+393330000001", "+393330000002", "+393330000003"}
