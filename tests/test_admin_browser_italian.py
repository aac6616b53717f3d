"""The plugin's admin in Italian, in a real browser (Debian's chromium driven by Playwright): every page of the plugin,
with data on it, read as a town-hall employee reads it, must not show an English word of the plugin.

The pages come from the URL resolver (tests/admin_walk.py), the English words from the plugin's own catalogue: a new
view or a new message is checked without touching this test. Screenshots of the Italian admin go to docs/screenshots/
with `make screenshots` (the Italian editors' guide, docs/guida-redazione.md, shows them).
"""

import re

import pytest
from django.test import Client

from tests.admin_walk import english_vocabulary, english_words_in, populate, walk_urls
from tests.browser import chromium_context, screenshot_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def walk(site, django_user_model, settings):
    """The database holding one of everything, on a site whose language is Italian (as the example site's: what is
    written down for the record is written in it); an Italian superuser's client and the pages to walk."""
    settings.LANGUAGE_CODE = "it"
    admin, rows = populate(site, django_user_model)
    client = Client()
    client.force_login(admin)
    return client, walk_urls(client, rows)


@pytest.fixture
def italian_admin(walk, live_server, monkeypatch):
    """A browser logged in as the Italian superuser."""
    client, urls = walk
    with chromium_context(monkeypatch, locale="it-IT", viewport=DESKTOP, device_scale_factor=1) as context:
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page, urls, live_server.url


def test_the_vocabulary_knows_the_english_the_issue_found():
    vocabulary = english_vocabulary()
    assert {"number", "full", "masked", "approved", "erased", "read", "subscribers"} <= vocabulary
    # Words Italian writes the same are not English evidence.
    assert not {"whatsapp", "gdpr", "sandbox", "iscrivimi"} & vocabulary


# The pages the Italian editors' guide (docs/guida-redazione.md) shows, by address: (pattern, file name).
GUIDE_SCREENSHOTS = [
    (r"/admin/$", "it-bacheca.png"),
    (r"/admin/pages/\d+/edit/$", "it-editor-whatsapp.png"),
    (r"/admin/whatsapp/pages/\d+/send/$", "it-conferma-invio.png"),
    (r"/admin/whatsapp/broadcasts/$", "it-invii.png"),
    (r"/admin/whatsapp/broadcasts/\d+/$", "it-resoconto.png"),
    (r"/admin/wagtail_whatsapp/subscriber/$", "it-iscritti.png"),
    (r"/admin/wagtail_whatsapp/inboundmessage/$", "it-messaggi-ricevuti.png"),
    (r"/admin/whatsapp/inbox/\d+/$", "it-messaggio.png"),
    (r"/admin/wagtail_whatsapp/consentrecord/$", "it-registro-consensi.png"),
    (r"/admin/wagtail_whatsapp/messagetemplate/$", "it-modelli.png"),
    (r"/admin/whatsapp/data-request/$", "it-richiesta-dati.png"),
    (r"/admin/whatsapp/subscribers/import/$", "it-importa-iscritti.png"),
    (r"/admin/settings/wagtail_whatsapp/whatsappsettings/\d+/$", "it-impostazioni.png"),
    (r"/admin/whatsapp/sandbox/\?number=", "it-sandbox.png"),
]


def guide_screenshot(url):
    return next((name for pattern, name in GUIDE_SCREENSHOTS if re.search(pattern, url)), None)


def framing(page, part):
    """The whole page, or the plugin's part of a Wagtail page (the dashboard's panel, the editor's panel) with a margin
    around it."""
    if part == "main":
        return {"full_page": True}
    element = page.locator(part).first
    element.scroll_into_view_if_needed()
    box, margin = element.bounding_box(), 24
    x, y = max(0, box["x"] - margin), max(0, box["y"] - margin)
    return {"clip": {"x": x, "y": y, "width": box["width"] + 2 * margin, "height": box["height"] + 2 * margin}}


def test_the_walk_reaches_every_kind_of_page(walk):
    _client, urls = walk
    walked = [url for url, _part in urls]
    missing = [name for pattern, name in GUIDE_SCREENSHOTS if not any(re.search(pattern, url) for url in walked)]
    assert missing == []
    assert len(walked) >= 16


def test_no_english_word_on_the_italian_admin_pages(italian_admin, tmp_path):
    page, urls, base = italian_admin
    vocabulary = english_vocabulary()
    screenshots = screenshot_folder(tmp_path)
    found = {}
    for url, part in urls:
        response = page.goto(base + url)
        assert response.ok, f"{url}: HTTP {response.status}"
        text = page.locator(part).first.inner_text()
        if english := english_words_in(text, vocabulary):
            found[url] = english
        if name := guide_screenshot(url):
            page.screenshot(path=screenshots / name, **framing(page, part))
    assert found == {}, "\n".join(
        f"{url}: " + "; ".join(f"{word!r} in “{line}”" for word, line in sorted(words.items()))
        for url, words in found.items()
    )
