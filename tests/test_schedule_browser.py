"""Scheduling in a real browser (Debian's chromium driven by Playwright): on the confirmation page the editor chooses
"Schedule for…", the date field appears with Wagtail's picker and the button says "Schedule the broadcast"; the
broadcast is then in the list with its time, and nothing was sent.

Screenshots go to a temporary folder, or to docs/screenshots/ with `make screenshots`.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.broadcasting import news_page, subscribers
from tests.browser import chromium_context, screenshot_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "browser-test-password"  # noqa: S105 (a throwaway test user)


@pytest.fixture
def editor_page(monkeypatch):
    with chromium_context(monkeypatch, locale="en-GB", viewport={"width": 1280, "height": 900}) as context:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.set_default_navigation_timeout(90_000)  # a loaded CI machine serves the first admin page slowly
        yield page


def test_an_editor_schedules_a_broadcast_and_finds_it_in_the_list(
    site, live_server, settings, django_user_model, editor_page, tmp_path
):
    from tests.pages_helpers import configure
    from wagtail_whatsapp.models import Broadcast, SandboxMessage

    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BACKEND": "sandbox"}
    configure(site)
    django_user_model.objects.create_superuser("redazione", "redazione@comune.esempio.it", PASSWORD)
    subscribers(site, 4, in_window=4)  # free-form: no template needed
    news = news_page(site, title="Mercatino di Natale in piazza")
    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=30, second=0, microsecond=0)
    screenshots = screenshot_folder(tmp_path)

    page = editor_page
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("redazione")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(f"{live_server.url}/admin/whatsapp/pages/{news.pk}/send/")
    date_field = page.get_by_label("Date and time")
    assert page.get_by_role("button", name="Send to 4 subscribers now").is_visible()
    assert not date_field.is_visible()  # shown only for "Schedule for…"
    page.get_by_label("Schedule for…").check()
    assert date_field.is_visible()
    date_field.fill(f"{tomorrow:%Y-%m-%d %H:%M}")
    # Wagtail's picker opens under the field (over the button) once it has the focus; a click elsewhere closes it.
    picker = page.locator(".xdsoft_datetimepicker")
    picker.wait_for(state="visible")
    page.get_by_role("heading", name="Who receives it").click()
    picker.wait_for(state="hidden")
    assert date_field.input_value() == f"{tomorrow:%Y-%m-%d %H:%M}"
    page.screenshot(path=screenshots / "confirm-schedule.png", full_page=True)
    page.get_by_role("button", name="Schedule the broadcast").click()
    page.wait_for_url(re.compile(r"/admin/whatsapp/broadcasts/\d+/$"))
    assert page.get_by_text(re.compile(r"is scheduled for .*\(4 today\)")).is_visible()
    assert page.get_by_role("link", name="Change the time").is_visible()

    page.goto(f"{live_server.url}/admin/whatsapp/broadcasts/")
    row = page.locator("tr", has_text="Mercatino di Natale in piazza")
    assert row.get_by_text("Scheduled for").is_visible()
    assert row.get_by_role("link", name="Change the time").is_visible()
    page.screenshot(path=screenshots / "broadcasts-scheduled.png", full_page=True)

    broadcast = Broadcast.objects.get(page=news)
    assert broadcast.status == Broadcast.Status.SCHEDULED and broadcast.scheduled_for == tomorrow
    assert not SandboxMessage.objects.filter(direction="out").exists()
