"""The example site: demo content, the town's pages, the admin, and configuration from the environment."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from town.models import EventPage, HomePage, NewsPage

REPO = Path(__file__).resolve().parent.parent
MANAGE = REPO / "example_site" / "manage.py"


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    # Run the queued tasks as a committed transaction would (Huey is inline in the tests).
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_content", stdout=io.StringIO())


def test_demo_content_builds_a_town_site(demo, client):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    response = client.get("/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert "Chiusura di via Roma" in html  # latest news
    assert "Mercatino di Natale" in html  # upcoming event
    assert 'href="/notizie/"' in html  # the news index is in the menu


def test_demo_content_is_idempotent(demo):
    counts = (Page.objects.count(), NewsPage.objects.count(), EventPage.objects.count(), Site.objects.count())
    call_command("load_demo_content", stdout=io.StringIO())
    assert (Page.objects.count(), NewsPage.objects.count(), EventPage.objects.count(), Site.objects.count()) == counts


def test_news_and_events_pages_render(demo, client):
    news = NewsPage.objects.get(slug="chiusura-via-roma")
    assert news.image is not None
    response = client.get(news.url, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert "acquedotto" in response.content.decode()
    event = EventPage.objects.get(slug="mercatino-di-natale")
    response = client.get(event.url, HTTP_HOST="127.0.0.1:8000")
    assert "Piazza Municipio" in response.content.decode()
    listing = client.get("/eventi/", HTTP_HOST="127.0.0.1:8000")
    assert "Consiglio comunale" in listing.content.decode()


def test_demo_admin_login_works(demo, client):
    assert client.get("/admin/login/").status_code == 200
    response = client.post("/admin/login/", {"username": "admin", "password": "admin"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_event_message_says_when_and_where(demo):
    message = EventPage.objects.get(slug="mercatino-di-natale").get_whatsapp_message()
    assert message.startswith("*Mercatino di Natale in piazza*")
    assert "Piazza Municipio" in message
    assert "09:00" in message and "19:00" in message
    assert message.rstrip().endswith("/eventi/mercatino-di-natale/")


def example_settings(**env):
    """Read the example site's settings in a fresh interpreter with ``env`` (settings are read at import time)."""
    code = (
        "import json, django, huey; django.setup(); from django.conf import settings as s;"
        "from django.utils.module_loading import import_string; from wagtail_whatsapp import conf;"
        "print(json.dumps({'backend': s.WAGTAIL_WHATSAPP['BACKEND'], 'token': s.WAGTAIL_WHATSAPP['ACCESS_TOKEN'],"
        "'secret': s.WAGTAIL_WHATSAPP['APP_SECRET'], 'secrets': conf.app_secrets(),"
        "'rate': s.WAGTAIL_WHATSAPP['MESSAGES_PER_SECOND'],"
        "'limit': s.WAGTAIL_WHATSAPP['MESSAGING_LIMIT'],"
        "'db': s.DATABASES['default']['ENGINE'], 'db_name': str(s.DATABASES['default']['NAME']),"
        "'huey': s.HUEY['huey_class'], 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'key': s.SECRET_KEY,"
        "'huey_sqlite': issubclass(import_string(s.HUEY['huey_class']), huey.SqliteHuey)}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "HUEY_", "DJANGO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "esempio.settings", "PYTHONPATH": str(REPO / "example_site"), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_example_settings_default_to_sandbox_sqlite_and_sqlite_huey(tmp_path):
    values = example_settings(EXAMPLE_SITE_VAR_DIR=str(tmp_path), DJANGO_SECRET_KEY="k" * 50)
    assert values["backend"] == "sandbox"
    assert values["db"] == "django.db.backends.sqlite3" and values["db_name"].startswith(str(tmp_path))
    assert values["huey_sqlite"] is True
    assert values["debug"] is False  # debug only when asked for
    assert values["limit"] == "auto"


def test_without_a_secret_key_the_example_site_refuses_to_start_naming_it(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, str(MANAGE), "check"],
        env={**clean, "EXAMPLE_SITE_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists() or "System check identified no issues" not in result.stdout


def test_debug_asked_for_gets_a_random_key_of_its_own_never_a_public_one(tmp_path):
    first = example_settings(EXAMPLE_SITE_VAR_DIR=str(tmp_path / "one"), DJANGO_DEBUG="1")
    again = example_settings(EXAMPLE_SITE_VAR_DIR=str(tmp_path / "one"), DJANGO_DEBUG="1")
    other = example_settings(EXAMPLE_SITE_VAR_DIR=str(tmp_path / "two"), DJANGO_DEBUG="1")
    assert first["debug"] is True
    assert first["key"] == again["key"]  # kept: blocked numbers' hashes stay valid across restarts
    assert first["key"] != other["key"] and len(first["key"]) >= 50
    assert (tmp_path / "one" / "development-secret-key").stat().st_mode & 0o077 == 0


def test_make_demo_asks_for_debug():
    makefile = (REPO / "Makefile").read_text()
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "DJANGO_DEBUG=1 $(MANAGE)" in makefile
    assert "$(MANAGE)" not in demo and demo.count("$(DEMO)") == 4


def test_example_settings_from_the_environment(tmp_path):
    values = example_settings(
        EXAMPLE_SITE_VAR_DIR=str(tmp_path),
        WHATSAPP_BACKEND="cloud",
        WHATSAPP_ACCESS_TOKEN="tok",
        WHATSAPP_APP_SECRET="new,old",
        WHATSAPP_MESSAGES_PER_SECOND="1000",
        WHATSAPP_MESSAGING_LIMIT="2000",
        DATABASE_URL="postgres://town:pw@db.example:5432/town",
        HUEY_REDIS_URL="redis://127.0.0.1:6379/0",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 50,
        DJANGO_ALLOWED_HOSTS="www.comune.esempio.it, comune.esempio.it",
    )
    assert values["backend"] == "cloud" and values["token"] == "tok"
    # The example site passes the variable as it is; the plugin splits it (as any site's settings would pass it).
    assert values["secret"] == "new,old" and values["secrets"] == ["new", "old"]
    assert values["rate"] == 1000
    assert values["limit"] == 2000
    assert (
        example_settings(EXAMPLE_SITE_VAR_DIR=str(tmp_path), WHATSAPP_MESSAGING_LIMIT="none", DJANGO_DEBUG="1")["limit"]
        is None
    )
    assert values["db"] == "django.db.backends.postgresql"
    assert values["huey"] == "huey.RedisHuey"
    assert values["debug"] is False
    assert values["hosts"] == ["www.comune.esempio.it", "comune.esempio.it"]


def test_cloud_mode_without_secrets_fails_the_check_naming_the_setting(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "DJANGO_SETTINGS"))}
    result = subprocess.run(
        [sys.executable, str(MANAGE), "check"],
        env={**clean, "EXAMPLE_SITE_VAR_DIR": str(tmp_path), "WHATSAPP_BACKEND": "cloud", "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "WAGTAIL_WHATSAPP['ACCESS_TOKEN'] is required by the cloud backend" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_content_has_subscribers_a_template_and_a_sent_broadcast(demo):
    from wagtail_whatsapp.models import Broadcast, Subscriber
    from wagtail_whatsapp.outbound.template_family import family

    site = Site.objects.get(is_default_site=True)
    assert Subscriber.objects.filter(site=site, status="active").count() == 24
    # The sandbox approves the whole recommended family; the plugin picks one template of each kind by itself.
    members = family(site)
    assert {kind: member.template.name for kind, member in members.items()} == {
        "text": "comune_avviso",
        "image": "comune_notizia_immagine",
        "video": "comune_notizia_video",
        "document": "comune_avviso_documento",
        "event": "comune_evento",
    }
    (broadcast,) = Broadcast.objects.all()
    assert broadcast.recipients_count == 24
    assert broadcast.status == "done"  # Huey runs inline in the tests; `make demo` sends it with its consumer
    call_command("load_demo_content", stdout=io.StringIO())
    assert Broadcast.objects.count() == 1 and Subscriber.objects.count() == 24


def test_demo_never_invents_subscribers_for_a_real_number(db, settings):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BACKEND": "cloud"}
    out = io.StringIO()
    call_command("load_demo_content", stdout=out)
    from wagtail_whatsapp.models import Broadcast, Subscriber

    assert not Subscriber.objects.exists() and not Broadcast.objects.exists()
    assert "only with the sandbox backend" in out.getvalue()


def test_the_demo_holds_the_five_kinds_each_sent_with_its_template_in_the_sandbox(
    demo, django_capture_on_commit_callbacks
):
    """A text-only notice, a news with an image, one with a short video, a PDF notice and an event: each goes to the
    demo's subscribers outside the window with the family's template of its kind, its header filled."""
    from wagtail_whatsapp.models import SandboxMessage
    from wagtail_whatsapp.outbound.broadcasts import start_broadcast

    pages = {
        "text": NewsPage.objects.get(slug="scadenza-tari"),
        "image": NewsPage.objects.get(slug="chiusura-via-roma"),
        "video": NewsPage.objects.get(slug="video-parco-giochi"),
        "document": NewsPage.objects.get(slug="ordinanza-fuochi"),
        "event": EventPage.objects.get(slug="mercatino-di-natale"),
    }
    headers = {"text": None, "image": "image", "video": "video", "document": "document", "event": None}
    for kind, page in pages.items():
        SandboxMessage.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):
            broadcast = start_broadcast(page)
        assert broadcast.template.name.startswith("comune_") and broadcast.status != "failed", kind
        templates = [m.body["template"] for m in SandboxMessage.objects.filter(message_type="template")]
        assert len(templates) == 18, kind  # 24 subscribers, 6 of them inside the window
        header_types = {
            next((c["parameters"][0]["type"] for c in t["components"] if c["type"] == "header"), None)
            for t in templates
        }
        assert header_types == {headers[kind]}, kind
