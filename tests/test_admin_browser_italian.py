"""The plugin's admin in Italian, in a real browser (Debian's chromium driven by Playwright): every page of the plugin,
with data on it, read as a town-hall employee reads it, must not show an English word of the plugin.

The pages come from the URL resolver (tests/admin_walk.py), the English words from the plugin's own catalogue: a new
view or a new message is checked without touching this test. Screenshots of the Italian admin go to docs/screenshots/
with `make screenshots` (the Italian editors' guide, docs/guida-redazione.md, shows them).
"""

import pytest
from django.test import Client

from tests.admin_walk import english_vocabulary, english_words_in, populate, walk_urls
from tests.browser import chromium_context, screenshot_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def italian_admin(site, django_user_model, live_server, monkeypatch, settings):
    """A browser logged in as an Italian superuser, the database holding one of everything, on a site whose language
    is Italian (as the example site's: what is written down for the record is written in it)."""
    settings.LANGUAGE_CODE = "it"
    admin, rows = populate(site, django_user_model)
    client = Client()
    client.force_login(admin)
    urls = walk_urls(client, rows)
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
    assert found == {}, "\n".join(
        f"{url}: " + "; ".join(f"{word!r} in “{line}”" for word, line in sorted(words.items()))
        for url, words in found.items()
    )
