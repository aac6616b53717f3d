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


# --- Broadcast engine (issue 5, sending) ------------------------------------------------------------------------------
@pytest.fixture
def recording_backend(settings):
    """Every backend the plugin builds is a RecordingBackend; the pace is high so tests do not wait."""
    from tests.recording_backend import RecordingBackend

    RecordingBackend.reset()
    settings.WAGTAIL_WHATSAPP = {
        **settings.WAGTAIL_WHATSAPP,
        "BACKEND": "tests.recording_backend.RecordingBackend",
        "MESSAGES_PER_SECOND": 5000,
        "DELIVERY_STATUS_GRACE_SECONDS": 0,
    }
    yield RecordingBackend
    RecordingBackend.reset()


@pytest.fixture
def broadcast_template(site, monkeypatch):
    """An approved broadcast template chosen for the site (image header, two body parameters, a URL button)."""
    from tests.broadcasting import approved_template
    from wagtail_whatsapp import broadcasts
    from wagtail_whatsapp.models import WhatsAppSettings

    template = approved_template(site)
    if not hasattr(WhatsAppSettings, "broadcast_template"):  # until the site settings of issue 7 are merged
        monkeypatch.setattr(broadcasts, "broadcast_template", lambda site: template)
    return template


@pytest.fixture(scope="session")
def process_database_template(tmp_path_factory):
    """A migrated file SQLite database for real subprocesses (tests/process_site.py); copy it per test."""
    from tests.process_site import migrated_database

    return migrated_database(tmp_path_factory.mktemp("process-db"))


@pytest.fixture
def process_database(process_database_template, tmp_path):
    from tests.process_site import copy_database

    return copy_database(process_database_template, tmp_path / "db.sqlite3")
