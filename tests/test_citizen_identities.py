"""A citizen is a number, a WhatsApp user id (Meta's usernames may hide the number), or both; blocks and opt-outs
hold for either and survive erasure as keyed hashes (issue 13, points 3 and 4). Webhooks are Meta's own shapes,
from tests/fixtures/webhooks/."""

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.signing import load_webhook
from wagtail_whatsapp.models import ConsentRecord, InboundMessage, OptedOutNumber, SandboxMessage, Subscriber
from wagtail_whatsapp.subscribers.blocking import block_subscriber
from wagtail_whatsapp.subscribers.csv_import import import_subscribers
from wagtail_whatsapp.subscribers.gdpr import erase_number

pytestmark = pytest.mark.django_db

NUMBER = "+393481234511"
USER_ID = "IT.4491208655302741918"
GDPR = "wagtail_whatsapp_admin:gdpr"
_sequence = iter(range(1, 10_000))


def write(webhook, text, fixture):
    """Post Meta's sample payload ``fixture`` with ``text``, a fresh wamid and timestamp."""
    payload = load_webhook(fixture)
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    n = next(_sequence)
    message["text"]["body"] = text
    message["id"] = f"{message['id'][:-6]}{n:04d}AA"
    message["timestamp"] = str(int(time.time()) - 600 + n)
    response = webhook.post(payload)
    assert response.status_code == 200, response.content
    return message["id"]


def by_user_id(webhook, text):
    return write(webhook, text, "webhook_incoming_text_user_id_only")


def by_both(webhook, text):
    return write(webhook, text, "webhook_incoming_text_number_and_user_id")


def answers():
    return list(SandboxMessage.objects.filter(direction="out").values_list("recipient", flat=True))


def _import(site, number=NUMBER):
    return import_subscribers(site, f"numero\n{number}\n".encode(), filename="vecchia-lista.csv")


# --- point 3: opt-outs outlive erasure -----------------------------------------------------------------------------


def test_an_erased_citizen_who_had_left_is_not_brought_back_by_an_old_list(webhook, webhook_site_settings):
    site = webhook_site_settings.site
    by_both(webhook, "ISCRIVIMI")
    by_both(webhook, "CANCELLAMI")
    assert OptedOutNumber.objects.count() == 2  # the number and the user id, as keyed hashes
    assert NUMBER.lstrip("+") not in json.dumps(list(OptedOutNumber.objects.values_list("number_hash", flat=True)))
    erase_number(site, NUMBER)
    assert not Subscriber.objects.exists()

    result = _import(site)
    assert result.imported == 0 and "left the service" in result.errors[0].reason
    assert not Subscriber.objects.exists()


def test_erasure_keeps_the_opt_out_of_someone_who_left_before_hashes_were_kept(site):
    Subscriber.objects.create(site=site, phone_number=NUMBER, status=Subscriber.Status.UNSUBSCRIBED)
    result = erase_number(site, NUMBER)
    assert result.opt_out_kept and not result.block_kept
    assert _import(site).imported == 0


def test_their_own_iscrivimi_is_a_fresh_consent_and_clears_the_opt_out(webhook, webhook_site_settings):
    site = webhook_site_settings.site
    by_both(webhook, "ISCRIVIMI")
    by_both(webhook, "CANCELLAMI")
    by_both(webhook, "ISCRIVIMI")
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    assert not OptedOutNumber.objects.exists()
    erase_number(site, NUMBER)
    assert _import(site).imported == 1  # nothing says they left: an old list may hold them


def test_the_admin_import_refuses_an_erased_opted_out_number(client, webhook, webhook_site_settings, whatsapp_user):
    site = webhook_site_settings.site
    by_both(webhook, "ISCRIVIMI")
    by_both(webhook, "CANCELLAMI")
    erase_number(site, USER_ID)  # named by the user id: the number goes too, and its opt-out stays
    client.force_login(whatsapp_user("manage_subscribers"))
    upload = SimpleUploadedFile("lista.csv", b"telefono;nome\n348 123 4511;Giulia\n", content_type="text/csv")
    response = client.post(
        reverse("wagtail_whatsapp_admin:subscribers_import"),
        {"site": site.pk, "file": upload, "confirm_consent": "on"},
    )
    assert "this number left the service" in response.content.decode()
    assert not Subscriber.objects.exists()


# --- point 4: the WhatsApp user id -----------------------------------------------------------------------------------


def test_a_citizen_known_only_by_user_id_subscribes_and_leaves(webhook, webhook_site_settings):
    by_user_id(webhook, "ISCRIVIMI")
    subscriber = Subscriber.objects.get()
    assert (subscriber.phone_number, subscriber.wa_user_id, subscriber.status) == ("", USER_ID, "active")
    by_user_id(webhook, "CANCELLAMI")
    assert Subscriber.objects.get().status == "unsubscribed"
    assert OptedOutNumber.objects.count() == 1


def test_a_blocked_citizen_erased_and_writing_with_only_a_user_id_stays_blocked(webhook, webhook_site_settings):
    site = webhook_site_settings.site
    by_both(webhook, "ISCRIVIMI")
    block_subscriber(Subscriber.objects.get(), reason="minacce")
    erase_number(site, NUMBER)
    sent_before, consent_before = len(answers()), ConsentRecord.objects.count()

    by_user_id(webhook, "ISCRIVIMI")
    assert not Subscriber.objects.exists()
    assert len(answers()) == sent_before  # no welcome: blocked citizens get nothing
    assert ConsentRecord.objects.count() == consent_before


def test_a_message_with_both_links_a_block_kept_only_for_the_number(webhook, webhook_site_settings):
    site = webhook_site_settings.site
    # Blocked, then erased, while only the number was known (an imported subscriber): one hash.
    block_subscriber(Subscriber.objects.create(site=site, phone_number=NUMBER), reason="spam")
    erase_number(site, NUMBER)
    # A message with the number and the user id: the same citizen, so the block now holds for the user id too.
    by_both(webhook, "buongiorno")
    by_user_id(webhook, "ISCRIVIMI")
    assert not Subscriber.objects.filter(status=Subscriber.Status.ACTIVE).exists()
    assert answers() == []


def test_a_message_with_both_fills_in_the_user_id_of_a_subscriber_known_by_number(webhook, webhook_site_settings):
    Subscriber.objects.create(site=webhook_site_settings.site, phone_number=NUMBER, status="blocked")
    by_both(webhook, "ciao")
    assert Subscriber.objects.get().wa_user_id == USER_ID
    by_user_id(webhook, "ISCRIVIMI")
    assert Subscriber.objects.get().status == "blocked" and Subscriber.objects.count() == 1


def test_export_and_erase_by_user_id_through_the_admin(client, webhook, webhook_site_settings, whatsapp_user):
    site = webhook_site_settings.site
    by_user_id(webhook, "ISCRIVIMI")
    by_user_id(webhook, "Quando passa la raccolta del vetro?")
    subscriber = Subscriber.objects.get()
    client.force_login(whatsapp_user("manage_subscribers"))

    listing = client.get(reverse("wagtail_whatsapp_subscriber_modeladmin_index")).content.decode()
    link = reverse(GDPR) + f"?subscriber={subscriber.pk}"
    assert link in listing  # the button, for a citizen without a number too
    assert f'value="{USER_ID}"' in client.get(link).content.decode()

    response = client.post(reverse(GDPR), {"action": "export", "export-site": site.pk, "export-number": USER_ID})
    data = json.loads(response.content)
    assert data["whatsapp_user_ids"] == [USER_ID]
    assert [m["text"] for m in data["messages"]] == ["ISCRIVIMI", "Quando passa la raccolta del vetro?"]

    response = client.post(
        reverse(GDPR),
        {"action": "erase", "erase-site": site.pk, "erase-number": USER_ID, "erase-confirm": "on"},
        follow=True,
    )
    assert "Subscriber rows deleted: 1." in response.content.decode()
    assert not Subscriber.objects.exists() and not InboundMessage.objects.exists()


def test_the_gdpr_form_says_what_it_accepts(client, site, whatsapp_user):
    client.force_login(whatsapp_user("manage_subscribers"))
    response = client.post(reverse(GDPR), {"action": "export", "export-site": site.pk, "export-number": "Mario"})
    assert "Neither a valid phone number nor a WhatsApp user ID." in response.content.decode()


def test_a_citizen_known_only_by_user_id_is_blocked_from_the_list_and_stays_blocked_after_erasure(
    client, webhook, webhook_site_settings, whatsapp_user
):
    site = webhook_site_settings.site
    by_user_id(webhook, "ISCRIVIMI")
    subscriber = Subscriber.objects.get()
    client.force_login(whatsapp_user("manage_subscribers"))
    client.post(reverse("wagtail_whatsapp_admin:subscriber_block", args=[subscriber.pk]), {"reason": "spam"})
    assert Subscriber.objects.get().status == "blocked"
    client.post(
        reverse(GDPR), {"action": "erase", "erase-site": site.pk, "erase-number": USER_ID, "erase-confirm": "on"}
    )
    assert not Subscriber.objects.exists()
    welcomes = len(answers())
    by_user_id(webhook, "ISCRIVIMI")
    assert not Subscriber.objects.exists() and len(answers()) == welcomes
