"""Another town's developer, with the wheel and the docs only: `wagtail start`, the documented edits, a sent page.

The project gets a virtualenv of its own that imports the plugin from the wheel. To stay fast and offline it sees this
run's site-packages through a .pth line: a plain path entry, so the editable install's finder there is never loaded
(the test asserts where ``wagtail_whatsapp`` is imported from). Every edit comes from tests/doc_snippets.py, i.e. from
the very files README.md and docs/installation.md show.
"""

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.doc_snippets import apply_news_page, apply_settings, apply_urls

pytestmark = pytest.mark.slow

NUMBER = "+393331234567"
SANDBOX_ENV = {
    # What docs/installation.md tells to export for the sandbox: no Meta account, so no Graph API values.
    "WHATSAPP_BACKEND": "sandbox",
    "WHATSAPP_VERIFY_TOKEN": "a-verify-token-from-the-docs",
    "WHATSAPP_APP_SECRET": "an-app-secret-from-the-docs",
}
BASE_ENV = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("WHATSAPP_", "DJANGO_", "HUEY_", "PYTHON", "VIRTUAL_ENV", "EXAMPLE_SITE"))
}


def run(*args, env=None, check=True, **kwargs):
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, env={**BASE_ENV, **(env or {})}, **kwargs
    )
    if check:
        assert result.returncode == 0, f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def new_venv(folder):
    """A virtualenv of its own, seeing this run's installed packages (not its editable finder), with the wheel."""
    run(sys.executable, "-m", "venv", folder)
    python = folder / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    (Path(purelib) / "dev_site_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.fixture(scope="module")
def town(wheel, tmp_path_factory):
    """The project after the documented edits, with the wheel installed: (python, project folder)."""
    root = tmp_path_factory.mktemp("newtown")
    python = new_venv(root / "venv")
    run(python, "-m", "pip", "install", "--disable-pip-version-check", "--no-index", "-q", wheel)
    where = run(python, "-c", "import wagtail_whatsapp; print(wagtail_whatsapp.__file__)", cwd=root).stdout.strip()
    assert where.startswith(str(root / "venv")), f"the plugin was imported from {where}, not from the wheel"

    project = root / "townsite"
    project.mkdir()
    run(python, "-m", "wagtail.bin.wagtail", "start", "townsite", project)
    apply_settings(project / "townsite" / "settings" / "base.py")
    apply_urls(project / "townsite" / "urls.py")
    apply_news_page(project / "home")
    return python, project


def manage(town, *args, env=SANDBOX_ENV, check=True):
    python, project = town
    return run(python, "manage.py", *args, cwd=project, env=env, check=check)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """urllib with cookies, CSRF and a base URL: enough for Wagtail's login form."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path):
        try:
            with self.opener.open(self.base + path, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, username, password):
        self.get("/admin/login/")
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        form = {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.base + "/admin/login/", data=data, timeout=20) as response:
            assert response.url.endswith("/admin/"), "the admin login failed"


def wait_for_server(browser, server):
    deadline = time.monotonic() + 60
    while True:
        try:
            return browser.get("/")
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.3)


def shell(town, code):
    return json.loads(manage(town, "shell", "-c", code).stdout.strip().splitlines()[-1])


def test_a_missing_variable_is_named_by_check_never_a_key_error(town):
    result = manage(town, "check", env={}, check=False)
    assert result.returncode != 0
    assert "WAGTAIL_WHATSAPP['ACCESS_TOKEN'] is required by the cloud backend" in result.stderr
    assert "Set WHATSAPP_ACCESS_TOKEN in the environment" in result.stderr  # the variable the documented settings read
    assert "KeyError" not in result.stderr and "Traceback" not in result.stderr


def test_the_documented_site_verifies_its_webhook_and_sends_a_page_through_the_sandbox(town):
    manage(town, "check")
    manage(town, "makemigrations", "home")
    manage(town, "migrate", "--noinput")
    setup = manage(town, "whatsapp_setup").stdout
    # One line per page: "policy: <title> (<url>) — created".
    public = {
        kind: urllib.parse.urlsplit(url).path
        for kind, url in re.findall(r"^(\w+): .* \((\S+)\) — created$", setup, re.M)
    }
    assert set(public) == {"policy", "privacy", "subscribe", "archive"}, setup
    # What an editor would do in the admin: an account, and a news page published under the home page.
    page = shell(
        town,
        "import json; from django.contrib.auth.models import User; from wagtail.models import Site;"
        "from home.models import NewsPage;"
        "User.objects.create_superuser('admin', 'admin@comune.esempio.it', 'a-long-admin-password');"
        "home = Site.objects.get(is_default_site=True).root_page;"
        "page = home.add_child(instance=NewsPage(title='Strade chiuse per la fiera', intro='Da sabato a lunedì.'));"
        "page.save_revision().publish(); print(json.dumps({'id': page.pk, 'path': page.url}))",
    )

    port = free_port()
    processes = [
        subprocess.Popen(
            [town[0], "manage.py", *args],
            cwd=town[1],
            env={**BASE_ENV, **SANDBOX_ENV},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for args in (["runserver", "--noreload", f"127.0.0.1:{port}"], ["run_huey"])
    ]
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_for_server(browser, processes[0])

        # The public pages, in Italian as the docs set the site's language.
        for path in public.values():
            status, html = browser.get(path)
            assert status == 200, path
            assert '<html lang="it">' in html and "Vai al contenuto" in html and "Skip to content" not in html
        assert "Come iscriversi" in browser.get(public["subscribe"])[1]
        status, feed = browser.get(public["archive"] + "rss/")
        assert status == 200 and "Messaggi inviati" in feed and "Messages sent" not in feed
        status, html = browser.get(page["path"])
        assert status == 200 and "Strade chiuse per la fiera" in html and "Da sabato a lunedì." in html

        # Meta's handshake, with the documented verify token.
        token = SANDBOX_ENV["WHATSAPP_VERIFY_TOKEN"]
        query = f"hub.mode=subscribe&hub.verify_token={token}&hub.challenge=42"
        assert browser.get(f"/whatsapp/webhook/?{query}") == (200, "42")
        assert browser.get("/whatsapp/webhook/?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=42")[0] == 403

        # A citizen subscribes (a signed message through the real webhook); the consumer answers.
        manage(town, "whatsapp_simulate_inbound", NUMBER, "ISCRIVIMI")
        active = shell(
            town,
            "import time; from wagtail_whatsapp.models import Subscriber; deadline = time.monotonic() + 60\n"
            "while not Subscriber.objects.filter(status='active').exists() and time.monotonic() < deadline:\n"
            "    time.sleep(0.5)\n"
            "print(Subscriber.objects.filter(status='active').count())",
        )
        assert active == 1, "the subscription never became active"

        sent = manage(town, "whatsapp_broadcast", page["id"], "--yes", "--wait", "--interval", "0.5").stdout
        assert "1 sent" in sent, sent
        messages = shell(
            town,
            "import json; from wagtail_whatsapp.models import SandboxMessage;"
            "print(json.dumps([json.dumps(m.body) for m in SandboxMessage.objects.filter(direction='out')]))",
        )
        assert any("Strade chiuse per la fiera" in body for body in messages)

        # The admin's WhatsApp menu and the sandbox chat with the conversation.
        browser.log_in("admin", "a-long-admin-password")
        status, dashboard = browser.get("/admin/")
        assert status == 200 and "WhatsApp" in dashboard
        status, chat = browser.get("/admin/whatsapp/sandbox/")
        assert status == 200 and "Strade chiuse per la fiera" in chat
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
