"""The editor's flow in a real browser (Debian's chromium driven by Playwright, as tests/test_pages_browser.py does):
log in, tick "Send via WhatsApp" on a news page, publish, watch the report reach 100 % while a Huey consumer sends
with the sandbox backend; then the citizen's side in the sandbox chat (ISCRIVIMI → the welcome).

Screenshots go to a temporary folder, or to docs/screenshots/ with `make screenshots` (the editors' guide uses them).
"""

import re
import time

import pytest
from django.core.management import call_command

from tests.broadcasting import news_page, subscribers
from tests.browser import chromium_context, screenshot_folder
from tests.huey_thread import ConsumerThread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1280, "height": 900}
SUBSCRIBERS = 20  # at 4 messages a second: five seconds to watch
PASSWORD = "browser-test-password"  # noqa: S105 (a throwaway test user)


@pytest.fixture
def screenshot_dir(tmp_path):
    return screenshot_folder(tmp_path)


@pytest.fixture
def editor_page(monkeypatch):
    with chromium_context(monkeypatch, locale="en-GB", viewport=DESKTOP, device_scale_factor=1) as context:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page


@pytest.fixture
def consumer():
    from huey.contrib.djhuey import HUEY

    with ConsumerThread(HUEY) as thread:
        yield thread
    assert thread.errors == []


def log_in(page, base_url, username):
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def what_the_consumer_did(consumer, caplog):
    """For a failure message: the tasks the consumer ran, their errors and what the app logged as a warning or worse."""
    logged = [f"{record.levelname} {record.name}: {record.getMessage()}" for record in caplog.records]
    return f"tasks run: {consumer.executed}; task errors: {consumer.errors}; logged: {logged}"


def open_action_menu(page):
    """The drop-up next to "Save draft" in the editor's footer."""
    page.locator("footer .w-dropdown__toggle").last.click()
    page.get_by_role("button", name="Publish").wait_for(state="visible")
    page.wait_for_timeout(400)  # the menu's fade-in, for the screenshot


def test_an_editor_publishes_with_the_tick_and_watches_the_report(
    site, live_server, settings, django_user_model, editor_page, consumer, screenshot_dir, caplog
):
    from tests.pages_helpers import configure
    from wagtail_whatsapp.models import Broadcast

    # Slow enough to watch the report move (the cap is shared through the database, as in production).
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BACKEND": "sandbox", "MESSAGES_PER_SECOND": 4}
    configure(site)
    django_user_model.objects.create_superuser("redazione", "redazione@comune.esempio.it", PASSWORD)
    subscribers(site, SUBSCRIBERS, in_window=SUBSCRIBERS)
    news = news_page(site, title="Chiusura di via Roma per lavori")
    page = editor_page
    log_in(page, live_server.url, "redazione")

    # The editor ticks the box in the page's WhatsApp panel and publishes.
    page.goto(f"{live_server.url}/admin/pages/{news.pk}/edit/")
    tick = page.get_by_label("Send via WhatsApp when published")
    tick.check()
    page.get_by_label("WhatsApp text").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "editor-whatsapp-panel.png")
    open_action_menu(page)
    page.screenshot(path=screenshot_dir / "editor-action-menu.png")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile(r"published", re.I)).first.is_visible()

    # The report fills up while the consumer sends, at the pace of the cap.
    broadcast = Broadcast.objects.get(page=news)
    page.goto(f"{live_server.url}/admin/whatsapp/broadcasts/{broadcast.pk}/")
    percent = page.locator("[data-progress-field='percent']")
    seen, deadline = set(), time.monotonic() + 60
    while (value := float(percent.inner_text())) < 100:
        assert time.monotonic() < deadline, f"the report stayed at {value} %; {what_the_consumer_did(consumer, caplog)}"
        if value > 0:
            if not seen:
                page.screenshot(path=screenshot_dir / "report-sending.png", full_page=True)
            seen.add(value)
        page.wait_for_timeout(200)
    assert seen, "the report never showed the broadcast half way"
    page.wait_for_load_state()
    # The sandbox answers with sent, delivered and read statuses, which the consumer processes too.
    for _ in range(50):
        if page.locator("[data-progress-field='read']").inner_text() == str(SUBSCRIBERS):
            break
        page.wait_for_timeout(200)
        page.reload()
    assert float(percent.inner_text()) == 100
    for field in ("recipients", "sent", "delivered", "read"):
        assert page.locator(f"[data-progress-field='{field}']").inner_text() == str(SUBSCRIBERS), field
    page.screenshot(path=screenshot_dir / "report-done.png", full_page=True)
    assert "send_broadcast_task" in " ".join(consumer.executed)

    # "Send via WhatsApp" on the page that is now online: the confirmation page warns it was already sent.
    page.goto(f"{live_server.url}/admin/pages/{news.pk}/edit/")
    open_action_menu(page)
    page.get_by_role("link", name="Send via WhatsApp").click()
    page.wait_for_load_state()
    assert page.get_by_text("This page was already sent via WhatsApp.").is_visible()
    page.screenshot(path=screenshot_dir / "confirm-page.png", full_page=True)
    assert Broadcast.objects.count() == 1  # nothing is sent from the confirmation page until its button is pressed


def test_a_citizen_joins_through_the_sandbox_chat(
    site, live_server, django_user_model, editor_page, consumer, screenshot_dir, caplog
):
    from tests.pages_helpers import configure

    configure(site)
    call_command("whatsapp_setup")  # the policy and the privacy notice the welcome links to
    django_user_model.objects.create_superuser("sviluppo", "sviluppo@comune.esempio.it", PASSWORD)
    page = editor_page
    log_in(page, live_server.url, "sviluppo")

    page.goto(f"{live_server.url}/admin/whatsapp/sandbox/")
    page.get_by_label("Citizen's number").fill("+39 333 987 6543")
    page.get_by_label("Message").fill("ISCRIVIMI")
    page.get_by_role("button", name="Send as the citizen").click()
    page.wait_for_load_state()
    # The welcome is the consumer's answer: it appears once the queued task has run.
    welcome = page.get_by_text("Benvenuto nel servizio WhatsApp di Esempio Informa")
    deadline = time.monotonic() + 30
    while not welcome.count() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        page.get_by_role("link", name="Refresh").click()
        page.wait_for_load_state()
    assert welcome.count(), what_the_consumer_did(consumer, caplog)
    assert welcome.first.is_visible()
    assert page.get_by_text("ISCRIVIMI", exact=True).first.is_visible()
    assert page.get_by_role("link", name=re.compile("whatsapp-regole")).first.is_visible()  # the policy
    page.screenshot(path=screenshot_dir / "sandbox-chat.png", full_page=True)

    from wagtail_whatsapp.models import Subscriber

    assert Subscriber.objects.get(phone_number="+393339876543").status == Subscriber.Status.ACTIVE
