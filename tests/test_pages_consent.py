"""The consent log points at the texts in force when the citizen subscribed, even after the pages change.

Rows are written the way the subscription code does: policy_revision = settings.policy_page.live_revision.
"""

import pytest
from django.core.management import call_command

from tests.pages_helpers import configure
from wagtail_whatsapp.models import ConsentRecord, Subscriber, WhatsAppPolicyPage, WhatsAppPrivacyPage, WhatsAppSettings


def subscribe(site, number):
    settings = WhatsAppSettings.for_site(site)
    subscriber = Subscriber.objects.create(site=site, phone_number=number)
    return ConsentRecord.objects.create(
        site=site,
        subscriber=subscriber,
        action=ConsentRecord.Action.SUBSCRIBE,
        phone_number=number,
        message_text="ISCRIVIMI",
        policy_revision=settings.policy_page.live_revision,
        privacy_revision=settings.privacy_page.live_revision,
    )


@pytest.fixture
def town(site):
    configure(site)
    call_command("whatsapp_setup")
    return site


def test_consent_rows_keep_the_revision_live_at_subscription_time(town, client):
    early = subscribe(town, "+393331111111")
    first_policy_text = WhatsAppPolicyPage.objects.get().body

    policy = WhatsAppPolicyPage.objects.get()
    policy.body = "<p>Nuove regole.</p>"
    policy.version_label = "2.0"
    policy.save_revision().publish()
    late = subscribe(town, "+393332222222")

    early.refresh_from_db()
    assert early.policy_revision_id != late.policy_revision_id
    assert early.policy_revision.as_object().body == first_policy_text
    assert late.policy_revision.as_object().version_label == "2.0"
    assert late.policy_revision_id == WhatsAppPolicyPage.objects.get().live_revision_id
    # The privacy notice was not touched: both citizens accepted the same one.
    assert early.privacy_revision_id == late.privacy_revision_id == WhatsAppPrivacyPage.objects.get().live_revision_id


def test_a_saved_draft_does_not_change_what_new_subscribers_accept(town):
    live = WhatsAppPrivacyPage.objects.get().live_revision_id
    page = WhatsAppPrivacyPage.objects.get()
    page.body = "<p>Bozza non pubblicata.</p>"
    page.save_revision()  # draft only

    assert subscribe(town, "+393333333333").privacy_revision_id == live
