"""The moderator's queue in a real browser (Debian's chromium driven by Playwright, as tests/test_editor_browser.py
does): tick rows in the inbox, Wagtail's bulk-action bar appears; "Mark as reviewed" acts at once, "Delete…" opens
its confirmation page for the ticked messages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser import chromium_context, screenshot_folder
from tests.whatsapp_data import make_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "browser-test-password"  # noqa: S105 (a throwaway test user)


@pytest.fixture
def moderator_page(monkeypatch):
    with chromium_context(monkeypatch, locale="it-IT", viewport={"width": 1366, "height": 900}) as context:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page


def test_a_moderator_works_the_queue_from_the_list(site, live_server, django_user_model, moderator_page, tmp_path):
    from wagtail_whatsapp.models import InboundMessage

    now = timezone.now()
    texts = ["Buca in via Roma", "Quando passa il bus?", "Lampione spento", "Offerta imperdibile"]
    messages = [make_message(site, text, sent_at=now - timedelta(minutes=10 * (4 - i))) for i, text in enumerate(texts)]
    from django.contrib.auth.models import Permission

    moderator = django_user_model.objects.create_user("moderatore", "moderatore@comune.esempio.it", PASSWORD)
    for app_label, codename in (("wagtailadmin", "access_admin"), ("wagtail_whatsapp", "moderate_inbox")):
        moderator.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    page = moderator_page
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("#id_username").fill("moderatore")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(f"{live_server.url}/admin/wagtail_whatsapp/inboundmessage/")
    footer = page.locator("[data-bulk-action-footer]")
    assert not footer.is_visible()
    for message in messages[:2]:
        page.locator(f"[data-bulk-action-checkbox][data-object-id='{message.pk}']").check()
    assert footer.is_visible()
    page.wait_for_timeout(500)  # the bar slides in, for the screenshot
    page.screenshot(path=str(screenshot_folder(tmp_path) / "inbox-bulk-actions.png"))
    page.locator("[data-bulk-review]").click()
    page.wait_for_load_state()
    assert "2 messaggi segnati come visti." in page.content()
    states = dict(InboundMessage.objects.values_list("text", "state"))
    assert [states[text] for text in texts] == ["reviewed", "reviewed", "new", "new"]

    page.locator(f"[data-bulk-action-checkbox][data-object-id='{messages[3].pk}']").check()
    page.get_by_role("link", name="Elimina il contenuto dei messaggi selezionati").click()
    page.wait_for_url(re.compile(r"/admin/bulk/wagtail_whatsapp/inboundmessage/delete/\?"))
    assert "Offerta imperdibile" in page.content() and "Lampione" not in page.content()
    page.locator("textarea[name=reason]").fill("pubblicità")
    page.get_by_role("button", name="Elimina il contenuto").click()
    page.wait_for_url(re.compile(r"/admin/wagtail_whatsapp/inboundmessage/"))
    assert "1 messaggio eliminato." in page.content()
    assert InboundMessage.objects.get(pk=messages[3].pk).state == "deleted"
