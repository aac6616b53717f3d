"""GDPR requests through the admin: export one number's data as JSON, erase it (keeping only a hashed block),
and the retention task."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.whatsapp_data import make_broadcast, make_message, make_subscriber
from wagtail_whatsapp.models import (
    BlockedNumber,
    ConsentRecord,
    Delivery,
    InboundMessage,
    StatusUpdate,
    Subscriber,
    WhatsAppSettings,
)
from wagtail_whatsapp.subscribers.blocking import block_subscriber, is_number_blocked
from wagtail_whatsapp.subscribers.retention import apply_retention
from wagtail_whatsapp.subscribers.tasks import apply_retention_task

pytestmark = pytest.mark.django_db
GDPR = "wagtail_whatsapp_admin:gdpr"
NUMBER = "+393481234511"


@pytest.fixture
def manager(client, whatsapp_user):
    user = whatsapp_user("manage_subscribers")
    client.force_login(user)
    return user


@pytest.fixture
def citizen(site):
    subscriber = make_subscriber(site, NUMBER, profile_name="Mario Rossi")
    make_message(site, "Buongiorno, info sulla TARI", NUMBER, subscriber=subscriber)
    make_broadcast(site, [subscriber], [Delivery.Status.READ])
    StatusUpdate.objects.create(
        site=site, wamid="wamid.s1", status="read", timestamp=timezone.now(), recipient_id=NUMBER.lstrip("+")
    )
    other = make_subscriber(site, "+393331112222")
    make_message(site, "Altro", "+393331112222", subscriber=other)
    return subscriber


def test_export_gives_everything_held_about_the_number(client, site, manager, citizen):
    response = client.post(reverse(GDPR), {"action": "export", "export-site": site.pk, "export-number": "348 123 4511"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["number"] == NUMBER
    assert data["subscribers"][0]["profile_name"] == "Mario Rossi"
    assert [record["action"] for record in data["consent_log"]] == ["subscribe"]
    assert data["consent_log"][0]["text_received"] == "ISCRIVIMI"
    assert [message["text"] for message in data["messages"]] == ["Buongiorno, info sulla TARI"]
    assert data["deliveries"][0]["status"] == "read"
    assert "+393331112222" not in response.content.decode()
    assert ModelLogEntry.objects.filter(action="wagtail_whatsapp.gdpr_export", user=manager).exists()


def test_the_button_on_a_subscriber_row_fills_the_form_without_the_number_in_the_url(client, site, manager, citizen):
    html = client.get(reverse("wagtail_whatsapp_subscriber_modeladmin_index")).content.decode()
    link = reverse(GDPR) + f"?subscriber={citizen.pk}"
    assert link in html
    assert f'value="{NUMBER}"' in client.get(link).content.decode()


def test_export_of_an_invalid_number_is_a_form_error(client, site, manager):
    response = client.post(reverse(GDPR), {"action": "export", "export-site": site.pk, "export-number": "12"})
    assert response.status_code == 200
    assert "Neither a valid phone number nor a WhatsApp user ID." in response.content.decode()


def test_erase_needs_confirmation(client, site, manager, citizen):
    client.post(reverse(GDPR), {"action": "erase", "erase-site": site.pk, "erase-number": NUMBER})
    assert Subscriber.objects.filter(phone_number=NUMBER).exists()


def test_erase_deletes_the_personal_data_of_the_number(client, site, manager, citizen):
    response = client.post(
        reverse(GDPR),
        {"action": "erase", "erase-site": site.pk, "erase-number": NUMBER, "erase-confirm": "on"},
        follow=True,
    )
    html = response.content.decode()
    assert "Subscriber rows deleted: 1." in html and "Messages deleted: 1." in html
    assert not Subscriber.objects.filter(phone_number=NUMBER).exists()
    assert not InboundMessage.objects.filter(phone_number=NUMBER).exists()
    assert not ConsentRecord.objects.filter(phone_number=NUMBER).exists()
    assert not ConsentRecord.objects.filter(message_text="ISCRIVIMI", subscriber=None).exclude(phone_number="").exists()
    assert Delivery.objects.get().subscriber is None  # the broadcast's figures still add up
    assert not StatusUpdate.objects.exists()  # its wamid and payload named the recipient: the row goes
    erase = ConsentRecord.objects.get(action=ConsentRecord.Action.ERASE)
    assert erase.performed_by == manager and erase.phone_number == ""
    assert not BlockedNumber.objects.exists()  # no block to honour: nothing of the number is kept
    assert not is_number_blocked(site, NUMBER)
    # The other citizen is untouched.
    assert Subscriber.objects.filter(phone_number="+393331112222").exists()
    assert InboundMessage.objects.filter(phone_number="+393331112222").exists()
    entry = ModelLogEntry.objects.get(action="wagtail_whatsapp.erase")
    assert entry.user == manager and "348" not in entry.label
    assert NUMBER not in json.dumps(list(ModelLogEntry.objects.values_list("label", "data")))


def test_erased_blocked_number_stays_blocked_through_a_hash(client, site, manager, citizen):
    block_subscriber(citizen, user=manager, reason="minacce")
    client.post(
        reverse(GDPR), {"action": "erase", "erase-site": site.pk, "erase-number": NUMBER, "erase-confirm": "on"}
    )
    assert not Subscriber.objects.filter(phone_number=NUMBER).exists()
    hashes = list(BlockedNumber.objects.values_list("number_hash", flat=True))
    assert len(hashes) == 2  # the number and the WhatsApp user id
    assert all("393481234511" not in value for value in hashes)
    assert is_number_blocked(site, "348 123 4511")
    assert not is_number_blocked(site, "+393331112222")


def test_retention_deletes_old_messages_and_unlinks_old_deliveries(site, citizen):
    wa_settings = WhatsAppSettings.for_site(site)
    wa_settings.inbox_retention_days = 30
    wa_settings.delivery_retention_days = 60
    wa_settings.save()
    old = make_message(site, "vecchio", NUMBER)
    InboundMessage.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=31))
    Delivery.objects.update(created_at=timezone.now() - timedelta(days=61))
    StatusUpdate.objects.update(received_at=timezone.now() - timedelta(days=61))

    result = apply_retention()
    assert result.messages_deleted == 1 and result.deliveries_anonymised == 1
    assert not InboundMessage.objects.filter(pk=old.pk).exists()
    assert InboundMessage.objects.filter(text="Buongiorno, info sulla TARI").exists()
    delivery = Delivery.objects.get()
    assert delivery.subscriber is None and delivery.status == Delivery.Status.READ
    assert delivery.wamid == ""  # Meta's wamid encodes the number
    assert not StatusUpdate.objects.exists()  # old status webhooks go whole


def test_retention_runs_as_a_periodic_huey_task(site, citizen):
    InboundMessage.objects.update(received_at=timezone.now() - timedelta(days=40))
    periodic = apply_retention_task.task_class()
    nightly = timezone.now().replace(hour=3, minute=17, second=0, microsecond=0, tzinfo=None)
    assert periodic.validate_datetime(nightly) and not periodic.validate_datetime(nightly.replace(hour=12))
    apply_retention_task.call_local()
    assert not InboundMessage.objects.exists()
