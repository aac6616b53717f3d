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


# --- Editor side of broadcasts (tests/test_broadcast_admin_*.py); helpers in tests/broadcast_admin.py ---


@pytest.fixture
def broadcast_engine(monkeypatch):
    """The broadcasts engine the admin talks to (a stand-in keeping its contract until the real one is merged)."""
    from tests.broadcast_admin import install_fake_engine

    return install_fake_engine(monkeypatch)


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
