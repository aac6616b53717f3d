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
