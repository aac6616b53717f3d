"""Every WhatsApp admin view checks its permission (403, not only a hidden button); numbers are masked for anyone
without manage_subscribers; the example site's groups exist."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.whatsapp_data import make_broadcast, make_message, make_subscriber
from wagtail_whatsapp.models import Delivery

FULL = "+393481234511"
MASKED = "+39 348 ••• •511"


@pytest.fixture
def rows(site):
    subscriber = make_subscriber(site, FULL)
    message = make_message(site, "Buongiorno", FULL, subscriber=subscriber, media_id="m1", media_mime_type="image/jpeg")
    make_broadcast(site, [subscriber], [Delivery.Status.DELIVERED])
    return {"site": site, "subscriber": subscriber, "message": message}


def _views(rows):
    """(method, url, data, permissions that open it). Lists open with any of several permissions."""
    subscriber, message = rows["subscriber"].pk, rows["message"].pk
    admin = "wagtail_whatsapp_admin:"
    return [
        (
            "get",
            reverse("wagtail_whatsapp_subscriber_modeladmin_index"),
            None,
            {"manage_subscribers", "view_reports", "moderate_inbox"},
        ),
        ("get", reverse("wagtail_whatsapp_inboundmessage_modeladmin_index"), None, {"moderate_inbox"}),
        ("get", reverse("wagtail_whatsapp_broadcast_modeladmin_index"), None, {"send_broadcast", "view_reports"}),
        (
            "get",
            reverse("wagtail_whatsapp_messagetemplate_modeladmin_index"),
            None,
            {"send_broadcast", "view_reports", "moderate_inbox", "manage_subscribers"},
        ),
        (
            "get",
            reverse("wagtail_whatsapp_consentrecord_modeladmin_index"),
            None,
            {"manage_subscribers", "view_reports"},
        ),
        ("get", reverse(admin + "subscribers_export"), None, {"manage_subscribers"}),
        ("get", reverse(admin + "subscribers_import"), None, {"manage_subscribers"}),
        ("get", reverse(admin + "gdpr"), None, {"manage_subscribers"}),
        ("post", reverse(admin + "gdpr"), {"action": "erase"}, {"manage_subscribers"}),
        ("get", reverse(admin + "subscriber_block", args=[subscriber]), None, {"manage_subscribers", "moderate_inbox"}),
        (
            "post",
            reverse(admin + "subscriber_unblock", args=[subscriber]),
            {},
            {"manage_subscribers", "moderate_inbox"},
        ),
        ("get", reverse(admin + "inbox_detail", args=[message]), None, {"moderate_inbox"}),
        ("get", reverse(admin + "inbox_media", args=[message]), None, {"moderate_inbox"}),
        ("post", reverse(admin + "inbox_review", args=[message]), {}, {"moderate_inbox"}),
        ("post", reverse(admin + "inbox_delete", args=[message]), {"reason": "x"}, {"moderate_inbox"}),
        ("post", reverse(admin + "inbox_report", args=[message]), {}, {"moderate_inbox"}),
        ("post", reverse(admin + "inbox_block", args=[message]), {}, {"moderate_inbox"}),
    ]


PERMISSIONS = ["send_broadcast", "moderate_inbox", "manage_subscribers", "view_reports"]


@pytest.mark.django_db
@pytest.mark.parametrize("codename", [None, *PERMISSIONS])
def test_each_view_answers_403_without_its_permission(client, rows, whatsapp_user, test_backend, codename):
    user = whatsapp_user(*([codename] if codename else []))
    client.force_login(user)
    for method, url, data, allowed in _views(rows):
        response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
        if codename in allowed:
            assert response.status_code in (200, 302), (url, codename, response.status_code)
        else:
            assert response.status_code == 403, (url, codename, response.status_code)


@pytest.mark.django_db
def test_menu_shows_only_the_lists_a_user_may_open(client, site, whatsapp_user):
    client.force_login(whatsapp_user("moderate_inbox"))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtail_whatsapp_inboundmessage_modeladmin_index") in html
    assert reverse("wagtail_whatsapp_broadcast_modeladmin_index") not in html
    assert reverse("wagtail_whatsapp_consentrecord_modeladmin_index") not in html


@pytest.mark.django_db
def test_superuser_sees_the_whole_whatsapp_menu(admin_client, site):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    for model in ("subscriber", "inboundmessage", "broadcast", "messagetemplate", "consentrecord"):
        assert reverse(f"wagtail_whatsapp_{model}_modeladmin_index") in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    ["wagtail_whatsapp_subscriber_modeladmin_index", "wagtail_whatsapp_consentrecord_modeladmin_index"],
)
def test_numbers_are_masked_without_manage_subscribers(client, rows, whatsapp_user, url_name):
    client.force_login(whatsapp_user("view_reports"))
    html = client.get(reverse(url_name)).content.decode()
    assert MASKED in html and FULL not in html and "348 123 4511" not in html

    client.force_login(whatsapp_user("manage_subscribers"))
    html = client.get(reverse(url_name)).content.decode()
    assert FULL in html


@pytest.mark.django_db
def test_moderator_sees_a_masked_sender_and_manager_the_full_one(client, rows, whatsapp_user):
    url = reverse("wagtail_whatsapp_admin:inbox_detail", args=[rows["message"].pk])
    inbox_url = reverse("wagtail_whatsapp_inboundmessage_modeladmin_index")
    client.force_login(whatsapp_user("moderate_inbox"))
    html = client.get(url).content.decode()
    assert MASKED in html and FULL not in html
    inbox = client.get(inbox_url).content.decode()
    assert MASKED in inbox and FULL not in inbox
    # One rule for the list and the page (issue 16): who may see numbers sees them in full on both.
    client.force_login(whatsapp_user("moderate_inbox", "manage_subscribers"))
    assert FULL in client.get(url).content.decode()
    inbox = client.get(inbox_url).content.decode()
    assert FULL in inbox and MASKED not in inbox


@pytest.mark.django_db
def test_search_by_number_only_for_those_who_may_see_numbers(client, rows, whatsapp_user):
    url = reverse("wagtail_whatsapp_subscriber_modeladmin_index")
    client.force_login(whatsapp_user("view_reports"))
    assert 'name="q"' not in client.get(url).content.decode()
    client.force_login(whatsapp_user("manage_subscribers"))
    assert 'name="q"' in client.get(url).content.decode()


@pytest.mark.django_db
def test_example_site_groups_carry_the_plugin_permissions():
    editors = Group.objects.get(name="WhatsApp editors")
    moderators = Group.objects.get(name="WhatsApp moderators")
    assert {"send_broadcast", "view_reports", "access_admin"} <= set(
        editors.permissions.values_list("codename", flat=True)
    )
    assert set(editors.page_permissions.values_list("permission__codename", flat=True)) == {
        "add_page",
        "change_page",
        "publish_page",
    }
    assert set(moderators.permissions.values_list("codename", flat=True)) == {
        "access_admin",
        "moderate_inbox",
        "view_reports",
    }
    assert not moderators.page_permissions.exists()
    budget_holders = Group.objects.get(name="WhatsApp budget holders")
    assert set(budget_holders.permissions.values_list("codename", flat=True)) == {"access_admin", "exceed_budget"}


@pytest.mark.django_db
def test_groups_migration_is_idempotent():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("town.migrations.0002_whatsapp_groups")
    migration.create_groups(apps, None)
    migration.create_groups(apps, None)
    assert Group.objects.filter(name__startswith="WhatsApp ").count() == 3  # editors, moderators, budget holders
    assert Group.objects.get(name="WhatsApp editors").page_permissions.count() == 3
