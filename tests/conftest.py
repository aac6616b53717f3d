"""Fixtures shared by the whole suite, by what they stand for: the town (its site and staff), WhatsApp's side (the
package's test backend, the fake Graph API, signed webhooks), broadcasts, and real processes.

Helpers that build data live beside them: ``broadcasting.py`` (pages, subscribers, templates), ``broadcast_admin.py``
(editors with page permissions), ``signing.py`` (signed webhook posts), ``fake_graph/`` (the HTTP fake of Meta).
"""

import os

import pytest
from wagtail.models import Page, Site

# --- The town: its site and its staff ----------------------------------------------------------------------------


@pytest.fixture
def site(db):
    """The default site, rooted at the example town's home page."""
    from town.models import HomePage

    root = Page.get_first_root_node()
    for placeholder in root.get_children().filter(slug="home"):
        placeholder.delete()
    root.refresh_from_db()  # its child count changed; treebeard 4 (Wagtail 7) would add after a deleted child
    home = root.add_child(instance=HomePage(title="Comune di Esempio", slug="home"))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)
    else:
        site.hostname, site.port, site.root_page = "testserver", 80, home
        site.save()
    return site


@pytest.fixture
def webhook_site_settings(site):
    """The default site's WhatsApp settings, serving the test PHONE_NUMBER_ID."""
    from wagtail_whatsapp.models import WhatsAppSettings

    settings = WhatsAppSettings.for_site(site)
    settings.service_name = "Esempio Informa"
    settings.save()
    return settings


@pytest.fixture
def whatsapp_user(db, django_user_model):
    """``whatsapp_user("moderate_inbox", ...)``: a Wagtail admin user holding only the given plugin permissions."""
    from django.contrib.auth.models import Permission

    counter = {"n": 0}

    def make(*codenames):
        counter["n"] += 1
        user = django_user_model.objects.create_user(
            username=f"staff{counter['n']}", email=f"staff{counter['n']}@comune.example", password="pw"
        )
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
        for codename in codenames:
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label="wagtail_whatsapp", codename=codename)
            )
        return user

    return make


@pytest.fixture
def sender(django_user_model, site):
    """An editor with the send_broadcast permission."""
    from tests.broadcast_admin import make_user

    return make_user(django_user_model, site, "sender", ["send_broadcast"])


@pytest.fixture
def plain_editor(django_user_model, site):
    """An editor who may edit and publish pages but not send them via WhatsApp."""
    from tests.broadcast_admin import make_user

    return make_user(django_user_model, site, "editor")


# --- WhatsApp's side: the test backend, the fake Graph API, signed webhooks ----------------------------------------


@pytest.fixture
def test_backend(settings):
    """Every backend the plugin builds is the package's TestBackend (no HTTP); the pace is high so tests do not wait.
    Yields the class: ``.sent`` (messages), ``.calls`` (blocking, downloads), ``.faults`` and the other switches."""
    from wagtail_whatsapp.backends.test import TestBackend

    TestBackend.reset()
    settings.WAGTAIL_WHATSAPP = {
        **settings.WAGTAIL_WHATSAPP,
        "BACKEND": "wagtail_whatsapp.backends.test.TestBackend",
        "MESSAGES_PER_SECOND": 5000,
        "DELIVERY_STATUS_GRACE_SECONDS": 0,
    }
    yield TestBackend
    TestBackend.reset()


@pytest.fixture
def fake_graph(settings):
    """A fake Graph API on 127.0.0.1 (tests/fake_graph/), with the cloud backend pointed at it."""
    from tests.fake_graph import FakeGraph

    fake = FakeGraph().start()
    settings.WAGTAIL_WHATSAPP = {
        **settings.WAGTAIL_WHATSAPP,
        "BACKEND": "cloud",
        "API_BASE_URL": fake.url,
        "ACCESS_TOKEN": fake.token,
        "CONNECT_TIMEOUT": 1.0,
        "READ_TIMEOUT": 1.0,  # short, yet safe on a loaded CI machine
    }
    yield fake
    fake.stop()


@pytest.fixture
def webhook(client):
    """Signed POSTs and handshakes against the real webhook view (see tests/signing.py)."""
    from tests.signing import WebhookClient

    return WebhookClient(client)


@pytest.fixture(autouse=True)
def _fresh_webhook_routes():
    """The webhook caches phone_number_id → site per process; each test starts from its own database."""
    from wagtail_whatsapp.inbound.ingest import clear_routes_cache

    clear_routes_cache()
    yield
    clear_routes_cache()


# --- Broadcasts ------------------------------------------------------------------------------------------------------


@pytest.fixture
def broadcast_template(site):
    """An approved template chosen as the site's image template (image header, two body parameters, a URL button)."""
    from tests.broadcasting import approved_template

    return approved_template(site)


@pytest.fixture
def news_page(site):
    from tests.broadcast_admin import make_news_page

    return make_news_page(site)


@pytest.fixture
def broadcast_engine():
    """The module the admin calls to plan, start and control broadcasts."""
    from wagtail_whatsapp.outbound import broadcasts

    return broadcasts


# --- Real processes: run_huey consumers, a site under gunicorn ------------------------------------------------------


@pytest.fixture(scope="session")
def process_database_template(tmp_path_factory):
    """A migrated file SQLite database for real subprocesses (tests/process_site.py); copy it per test."""
    from tests.process_site import migrated_database

    return migrated_database(tmp_path_factory.mktemp("process-db"))


@pytest.fixture
def process_database(process_database_template, tmp_path):
    from tests.process_site import copy_database

    return copy_database(process_database_template, tmp_path / "db.sqlite3")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    """The package's wheel, built once per run from this checkout (tests/test_packaging.py, test_new_project.py)."""
    from tests.checkout_builds import shared_wheel

    return shared_wheel(tmp_path_factory)


def pytest_collection_modifyitems(config, items):
    # Scale tests need the Redis and PostgreSQL servers that `make test-scale` starts.
    if os.environ.get("HUEY_REDIS_URL"):
        return
    skip = pytest.mark.skip(reason="needs HUEY_REDIS_URL (run `make test-scale`)")
    for item in items:
        if "scale" in item.keywords:
            item.add_marker(skip)
