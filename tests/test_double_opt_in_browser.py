"""The double opt-in in a real browser (Debian's chromium driven by Playwright, as tests/test_editor_browser.py does):
the person who runs the service turns it on in Settings → WhatsApp, then plays a citizen in the sandbox chat —
ISCRIVIMI, the question with its "SÌ" button, the tap, the welcome — while a Huey consumer answers."""

import re
import time

import pytest
from django.core.management import call_command

from tests.browser import chromium_context, screenshot_folder
from tests.huey_thread import ConsumerThread
from tests.test_editor_browser import DESKTOP, PASSWORD, log_in, what_the_consumer_did

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def staff_page(monkeypatch):
    with chromium_context(monkeypatch, locale="en-GB", viewport=DESKTOP, device_scale_factor=1) as context:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page


@pytest.fixture
def huey_consumer():
    from huey.contrib.djhuey import HUEY

    with ConsumerThread(HUEY) as thread:
        yield thread
    assert thread.errors == []


def wait_for_text(page, text, consumer, caplog):
    """Refresh the chat until ``text`` appears (the consumer's answer)."""
    found = page.get_by_text(text)
    deadline = time.monotonic() + 30
    while not found.count() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        page.get_by_role("link", name="Refresh").click()
        page.wait_for_load_state()
    assert found.count(), what_the_consumer_did(consumer, caplog)
    return found.first


def test_turn_on_the_double_opt_in_and_confirm_with_the_button(
    site, live_server, django_user_model, staff_page, huey_consumer, tmp_path, caplog
):
    from tests.pages_helpers import configure
    from wagtail_whatsapp.models import ConsentRecord, Subscriber, WhatsAppSettings

    configure(site)
    call_command("whatsapp_setup")
    django_user_model.objects.create_superuser("servizio", "servizio@comune.esempio.it", PASSWORD)
    page, consumer, screenshot_dir = staff_page, huey_consumer, screenshot_folder(tmp_path)
    log_in(page, live_server.url, "servizio")

    page.goto(f"{live_server.url}/admin/settings/wagtail_whatsapp/whatsappsettings/{site.pk}/")
    page.get_by_label("Ask to confirm subscriptions (double opt-in)").check()
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_load_state()
    assert WhatsAppSettings.for_site(site).double_opt_in

    page.goto(f"{live_server.url}/admin/whatsapp/sandbox/")
    page.get_by_label("Citizen's number").fill("+39 333 987 6543")
    page.get_by_label("Message").fill("ISCRIVIMI")
    page.get_by_role("button", name="Send as the citizen").click()
    page.wait_for_load_state()
    assert wait_for_text(page, "Rispondi SÌ per confermare", consumer, caplog).is_visible()
    assert not Subscriber.objects.exists()
    page.screenshot(path=screenshot_dir / "sandbox-chat-double-opt-in.png", full_page=True)

    page.get_by_role("button", name=re.compile("Tap “SÌ”")).click()
    page.wait_for_load_state()
    assert wait_for_text(page, "Benvenuto nel servizio WhatsApp", consumer, caplog).is_visible()
    assert Subscriber.objects.get(phone_number="+393339876543").status == Subscriber.Status.ACTIVE
    assert list(ConsentRecord.objects.order_by("created_at").values_list("action", flat=True)) == [
        "request",
        "subscribe",
    ]
