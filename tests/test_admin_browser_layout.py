"""What the Italian admin looks like on a common office screen (1366 px wide), in a real browser (Debian's chromium
driven by Playwright): no word of the plugin's lists split over two lines, the link on the green "being sent" banner
readable (axe's color-contrast rule), and the report's progress bar as wide as its figure after a reload.
"""

import re

import pytest
from django.test import Client

from tests.admin_walk import populate, walk_urls
from tests.browser import chromium_context, screenshot_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OFFICE_SCREEN = {"width": 1366, "height": 768}

# Each word of the text under ``root`` (between spaces or after a hyphen, where a line may break) that the browser
# drew on more than one line: "Iscrit-" / "to" is one word broken, "e-" / "mail" is not.
BROKEN_WORDS = """(root) => {
    const broken = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        for (const match of node.data.matchAll(/[^\\s\\-\u2010-\u2014/]{2,}/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
            if (lines.size > 1) broken.push(match[0]);
        }
    }
    return broken;
}"""


def contrast_violations(page, selector):
    """axe's color-contrast rule on the part of the page ``selector`` names."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "rule", "values": ["color-contrast"]}, "resultTypes": ["violations"]}
    violations = Axe().run(page, context=selector, options=options).response["violations"]
    return [f"{item['id']}: {[node['target'] for node in item['nodes']]}" for item in violations]


MESSAGES_STAND_STILL = """() => document.getAnimations().every(
    (animation) => animation.playState !== "running" || !animation.effect?.target?.closest(".messages")
)"""

# A list wider than the column it stands in must scroll inside it, not run under what is beside it (the filters).
SPILLS_OVER = """(table) => {
    const column = table.parentElement;
    const wider = table.getBoundingClientRect().right > column.getBoundingClientRect().right + 1;
    return wider && !["auto", "scroll", "hidden"].includes(getComputedStyle(column).overflowX);
}"""


@pytest.fixture
def office(site, django_user_model, live_server, monkeypatch, settings):
    settings.LANGUAGE_CODE = "it"
    admin, rows = populate(site, django_user_model)
    client = Client()
    client.force_login(admin)
    urls = [url for url, part in walk_urls(client, rows) if part == "main"]
    with chromium_context(monkeypatch, locale="it-IT", viewport=OFFICE_SCREEN, device_scale_factor=1) as context:
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page, urls, live_server.url, rows


def test_no_word_of_a_list_is_broken_nor_spills_over_at_1366_px(office):
    page, urls, base, _rows = office
    broken, spilling, lists = {}, [], 0
    for url in urls:
        page.goto(base + url)
        for table in page.locator("main table").all():
            lists += 1
            if words := table.evaluate(BROKEN_WORDS):
                broken[url] = words
            if table.evaluate(SPILLS_OVER):
                spilling.append(url)
    assert lists >= 8, "the walk met fewer lists than the plugin has"
    assert broken == {}, broken
    assert spilling == []


def test_the_link_on_the_green_banner_is_readable(office, tmp_path):
    from wagtail_whatsapp.models import Broadcast

    page, _urls, base, rows = office
    news = rows["page"]
    # Publishing with the tick leaves the green banner with its link to the report (outbound/publishing.py).
    page.goto(f"{base}/admin/pages/{news.pk}/edit/")
    page.locator("input[name='whatsapp_send_on_publish']").check()
    page.locator("footer .w-dropdown__toggle").last.click()
    page.locator("button[name='action-publish']").click()
    page.wait_for_load_state()
    banner = page.locator(".messages .success", has_text="WhatsApp")
    assert banner.count() == 1, page.locator(".messages").inner_text()
    link = banner.get_by_role("link", name=re.compile("resoconto", re.I))
    broadcast = Broadcast.objects.filter(page=news).latest("created_at")
    assert link.get_attribute("href").endswith(f"/admin/whatsapp/broadcasts/{broadcast.pk}/")
    # Wagtail's messages slide in: judge the colours once they stand still.
    page.wait_for_function(MESSAGES_STAND_STILL)
    page.wait_for_timeout(300)
    assert contrast_violations(page, ".messages") == []
    page.locator(".messages").screenshot(path=screenshot_folder(tmp_path) / "it-pubblicata-e-inviata.png")


def test_the_progress_bar_is_as_wide_as_its_figure_after_a_reload(office):
    from tests.whatsapp_data import make_subscriber
    from wagtail_whatsapp.models import Broadcast, Delivery

    page, _urls, base, rows = office
    # Paused with 2 of 3 deliveries handled: 66,7 % in Italian, and the bar two thirds full (66.7% in CSS).
    broadcast = rows["broadcast"]
    waiting = make_subscriber(broadcast.site, "+393481234599")
    Delivery.objects.create(broadcast=broadcast, subscriber=waiting, status=Delivery.Status.PENDING)
    Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.PAUSED, recipients_count=3)
    page.goto(f"{base}/admin/whatsapp/broadcasts/{broadcast.pk}/")
    page.reload()
    assert page.locator("[data-progress-field='percent']").inner_text() == "66,7"
    bar = page.locator("[data-progress-bar]").bounding_box()["width"]
    fill = page.locator(".ww-progress__fill").bounding_box()["width"]
    assert fill / bar == pytest.approx(0.667, abs=0.01), (fill, bar)
