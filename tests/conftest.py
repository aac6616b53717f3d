import os

import pytest
from wagtail.models import Page, Site


@pytest.fixture
def site(db):
    """The default site, rooted at the example town's home page."""
    from town.models import HomePage

    root = Page.get_first_root_node()
    for placeholder in root.get_children().filter(slug="home"):
        placeholder.delete()
    home = root.add_child(instance=HomePage(title="Comune di Esempio", slug="home"))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)
    else:
        site.hostname, site.port, site.root_page = "testserver", 80, home
        site.save()
    return site


def pytest_collection_modifyitems(config, items):
    # Scale tests need the Redis and PostgreSQL servers that `make test-scale` starts.
    if os.environ.get("HUEY_REDIS_URL"):
        return
    skip = pytest.mark.skip(reason="needs HUEY_REDIS_URL (run `make test-scale`)")
    for item in items:
        if "scale" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def fake_graph(settings):
    """A fake Graph API on 127.0.0.1 (tests/fake_graph.py), with the cloud backend pointed at it."""
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


# --- webhook (issue 3) ----------------------------------------------------------------------------------------------
@pytest.fixture
def webhook(client):
    """Signed POSTs and handshakes against the real webhook view (see tests/signing.py)."""
    from tests.signing import WebhookClient

    return WebhookClient(client)


@pytest.fixture
def webhook_site_settings(site):
    """The default site's WhatsApp settings, serving the test PHONE_NUMBER_ID."""
    from wagtail_whatsapp.models import WhatsAppSettings

    settings = WhatsAppSettings.for_site(site)
    settings.service_name = "Esempio Informa"
    settings.save()
    return settings


@pytest.fixture(autouse=True)
def _fresh_webhook_routes():
    """The webhook caches phone_number_id → site per process; each test starts from its own database."""
    from wagtail_whatsapp.ingest import clear_routes_cache

    clear_routes_cache()
    yield
    clear_routes_cache()


# --- Running the service (issue 7) -----------------------------------------------------------------------------------
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
def recording_backend(settings):
    """Swap the sandbox backend for tests.fake_backends.RecordingBackend; yields its list of calls."""
    from tests.fake_backends import RecordingBackend

    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BACKEND": "tests.fake_backends.RecordingBackend"}
    RecordingBackend.calls = []
    RecordingBackend.fail_with = None
    yield RecordingBackend.calls
    RecordingBackend.calls = []
    RecordingBackend.fail_with = None


# --- Broadcast engine (issue 5, sending) ------------------------------------------------------------------------------
@pytest.fixture
def broadcast_backend(settings):
    """Every backend the plugin builds is a SendingTestBackend; the pace is high so tests do not wait."""
    from tests.sending_backend import SendingTestBackend

    SendingTestBackend.reset()
    settings.WAGTAIL_WHATSAPP = {
        **settings.WAGTAIL_WHATSAPP,
        "BACKEND": "tests.sending_backend.SendingTestBackend",
        "MESSAGES_PER_SECOND": 5000,
        "DELIVERY_STATUS_GRACE_SECONDS": 0,
    }
    yield SendingTestBackend
    SendingTestBackend.reset()


@pytest.fixture
def broadcast_template(site):
    """An approved broadcast template chosen for the site (image header, two body parameters, a URL button)."""
    from tests.broadcasting import approved_template

    return approved_template(site)


@pytest.fixture(scope="session")
def process_database_template(tmp_path_factory):
    """A migrated file SQLite database for real subprocesses (tests/process_site.py); copy it per test."""
    from tests.process_site import migrated_database

    return migrated_database(tmp_path_factory.mktemp("process-db"))


@pytest.fixture
def process_database(process_database_template, tmp_path):
    from tests.process_site import copy_database

    return copy_database(process_database_template, tmp_path / "db.sqlite3")


# --- Editor side of broadcasts (tests/test_broadcast_admin_*.py); helpers in tests/broadcast_admin.py ---


@pytest.fixture
def broadcast_engine():
    """The sending engine the admin calls (sandbox backend in tests)."""
    from wagtail_whatsapp import broadcasts

    return broadcasts


@pytest.fixture
def news_page(site):
    from tests.broadcast_admin import make_news_page

    return make_news_page(site)


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
