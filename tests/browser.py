"""Shared set-up of the browser tests: Debian's chromium driven by Playwright (never Playwright's own download).

Chromium comes from apt (`make browser`, a prerequisite of `make test`). Screenshots go to a temporary folder, or to
the folder named by WHATSAPP_SCREENSHOT_DIR (`make screenshots` points it at docs/screenshots/).
"""

import contextlib
import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def screenshot_folder(tmp_path):
    configured = os.environ.get("WHATSAPP_SCREENSHOT_DIR")
    folder = Path(configured) if configured else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def chromium_context(monkeypatch, **context_options):
    """A new browser context of Debian's chromium, closed on exit."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium).")
    # Playwright's sync API runs an event loop in this thread; the ORM is used only before it starts.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(**context_options)
        finally:
            browser.close()
            # The ORM calls a test makes while Playwright's event loop runs use a connection of that context; left
            # open, PostgreSQL refuses to drop the test database at the end ("being accessed by other users").
            connections.close_all()
