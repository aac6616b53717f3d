"""The consent log on screen: each consent shows the policy and the privacy notice it accepted, each a link to that
revision in Wagtail's admin; the log is filtered by event and date, and searched (by number or note) only by those who
may see numbers (issue 16)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.pages_helpers import configure
from wagtail_whatsapp.models import ConsentRecord, Subscriber, WhatsAppSettings

pytestmark = pytest.mark.django_db

URL = "wagtail_whatsapp_consentrecord_modeladmin_index"


@pytest.fixture
def town(site):
    configure(site)
    call_command("whatsapp_setup")
    return site


def consent(site, number, action=ConsentRecord.Action.SUBSCRIBE, days_ago=0, note=""):
    settings = WhatsAppSettings.for_site(site)
    return ConsentRecord.objects.create(
        site=site,
        subscriber=Subscriber.objects.get_or_create(site=site, phone_number=number)[0],
        action=action,
        created_at=timezone.now() - timedelta(days=days_ago),
        phone_number=number,
        message_text="ISCRIVIMI",
        policy_revision=settings.policy_page.live_revision,
        privacy_revision=settings.privacy_page.live_revision,
        note=note,
    )


def rows(client, **query):
    response = client.get(reverse(URL), query)
    assert response.status_code == 200, response.status_code
    return sorted(obj.pk for obj in response.context["view"].queryset), response.content.decode()


def test_each_consent_shows_the_revisions_it_accepted_linked_to_them(town, admin_client, whatsapp_user, client):
    record = consent(town, "+393481234511")
    # The policy changes afterwards: the log still points at the text that citizen accepted.
    policy = WhatsAppSettings.for_site(town).policy_page.specific
    policy.save_revision().publish()
    policy.refresh_from_db()
    assert policy.live_revision_id != record.policy_revision_id

    for user in (whatsapp_user("manage_subscribers"), whatsapp_user("view_reports")):
        client.force_login(user)
        _rows, html = rows(client)
        for revision in (record.policy_revision, record.privacy_revision):
            link = reverse("wagtailadmin_pages:revisions_view", args=[revision.object_id, revision.pk])
            assert f'href="{link}"' in html
            assert f"revision {revision.pk} of" in html
        assert "Policy accepted" in html and "Privacy notice accepted" in html
    # The link opens that revision as it was (for an editor who may see the page).
    link = reverse("wagtailadmin_pages:revisions_view", args=[policy.pk, record.policy_revision_id])
    assert admin_client.get(link).status_code == 200


def test_a_consent_without_revisions_says_so(town, admin_client):
    ConsentRecord.objects.create(site=town, action=ConsentRecord.Action.IMPORT, phone_number="+393481234511")
    _rows, html = rows(admin_client)
    assert "revisions/" not in html


def test_the_log_is_filtered_by_event_and_date(town, admin_client):
    old = consent(town, "+393481234511", days_ago=40)
    new = consent(town, "+393491234522")
    block = consent(town, "+393491234522", action=ConsentRecord.Action.BLOCK, note="Insulti ripetuti")
    assert rows(admin_client, action__exact="subscribe")[0] == sorted([old.pk, new.pk])
    assert rows(admin_client, action__exact="block")[0] == [block.pk]
    # What the date filter's "Past 7 days" link carries: local midnight, with its offset.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    since = str(midnight - timedelta(days=7))
    assert rows(admin_client, created_at__gte=since)[0] == sorted([new.pk, block.pk])


def test_a_manager_searches_by_number_however_typed_or_by_note(town, whatsapp_user, client):
    first = consent(town, "+393481234511")
    second = consent(town, "+393491234522", action=ConsentRecord.Action.BLOCK, note="Insulti ripetuti")
    client.force_login(whatsapp_user("manage_subscribers"))
    for typed in ("348 123 4511", "+39 348 1234511", "0039 348 123 4511"):
        assert rows(client, q=typed)[0] == [first.pk], typed
    assert rows(client, q="insulti")[0] == [second.pk]
    assert rows(client, q="nessuno")[0] == []
