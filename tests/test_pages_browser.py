"""The public pages in a real browser: Debian's chromium driven by Playwright, at a phone's size, checked with axe-core.

Chromium comes from apt (`make browser`, a prerequisite of `make test`); Playwright's own browser download is never
used. Screenshots go to a temporary folder, or to docs/screenshots/ with `make screenshots`.
"""

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.browser import chromium_context, screenshot_folder
from tests.pages_helpers import WA_ME_LINK, configure, decode_qr_png
from wagtail_whatsapp.models import Broadcast, WhatsAppArchivePage, WhatsAppSubscribePage

# The live server needs committed data; serialized_rollback restores the pages the migrations made (the tree's root)
# after each test, for the tests that run next.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
# The audience's language: the expected link names below are translated the same way, so the test holds before and
# after the Italian catalogue has the plugin's strings.
BROWSER_LOCALE, LANGUAGE = "it-IT", "it"


def translated(msgid, **values):
    with translation.override(LANGUAGE):
        return translation.gettext(msgid) % values


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}


@pytest.fixture
def screenshot_dir(tmp_path):
    return screenshot_folder(tmp_path)


@pytest.fixture
def phone_page(monkeypatch):
    options = {"locale": BROWSER_LOCALE, "viewport": PHONE, "device_scale_factor": 1, "is_mobile": True}
    with chromium_context(monkeypatch, has_touch=True, **options) as context:
        yield context.new_page()


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{item['id']} ({item['impact']}): {item['help']} — {[node['target'] for node in item['nodes']]}"
        for item in violations
        if item["impact"] in ("serious", "critical")
    ]


def test_subscribe_policy_and_privacy_pages_on_a_phone(site, live_server, phone_page, screenshot_dir):
    configure(site)
    call_command("whatsapp_setup")
    subscribe_url = live_server.url + WhatsAppSubscribePage.objects.get().url
    page = phone_page

    page.goto(subscribe_url)
    assert page.get_attribute("html", "lang") == "it"
    join = page.get_by_role("link", name=translated("Open WhatsApp and send %(keyword)s", keyword="ISCRIVIMI"))
    assert join.get_attribute("href") == WA_ME_LINK
    assert join.is_visible()
    assert page.get_by_role("link", name="+39 035 123 4567").get_attribute("href") == "tel:+390351234567"
    alt = translated(
        "QR code: opens WhatsApp with the message %(keyword)s ready to send to %(number)s",
        keyword="ISCRIVIMI",
        number="+39 035 123 4567",
    )
    qr = page.get_by_role("img", name=alt)
    assert qr.is_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    # What the browser drew is what a phone camera reads.
    assert decode_qr_png(qr.screenshot()) == [WA_ME_LINK]
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    page.screenshot(path=screenshot_dir / "subscribe-page.png", full_page=True)

    page.get_by_role("link", name="Regole del servizio WhatsApp").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Regole del servizio WhatsApp"
    assert page.get_by_text("CANCELLAMI").first.is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=screenshot_dir / "policy-page.png", full_page=True)

    page.goto(subscribe_url)
    page.get_by_role("link", name="Informativa sulla privacy del servizio WhatsApp").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Informativa sulla privacy del servizio WhatsApp"
    assert page.get_by_role("heading", name="Responsabile della protezione dei dati (DPO)").is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=screenshot_dir / "privacy-page.png", full_page=True)


def test_archive_page_on_a_phone(site, live_server, phone_page, screenshot_dir):
    configure(site)
    call_command("whatsapp_setup")
    for title in ["Allerta neve: scuole aperte", "TARI 2026: la prima rata scade il 16 dicembre"]:
        Broadcast.objects.create(
            site=site, title=title, message=title, status=Broadcast.Status.DONE, url=live_server.url + "/"
        )
    archive = WhatsAppArchivePage.objects.get()
    page = phone_page

    page.goto(live_server.url + archive.url)

    assert page.get_by_role("link", name="TARI 2026: la prima rata scade il 16 dicembre").is_visible()
    feed_link = page.get_by_role("link", name=translated("RSS feed of these messages"))
    assert feed_link.get_attribute("href") == archive.feed_url()
    assert serious_violations(page) == []
    page.screenshot(path=screenshot_dir / "archive-page.png", full_page=True)
