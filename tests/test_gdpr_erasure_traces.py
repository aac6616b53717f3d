"""After a GDPR erasure, nothing in the database nor in the Huey queue names the citizen: not the number in any usual
format, not the WhatsApp user id, not Meta's wamids (which spell the number out), not what they wrote (issue 13,
point 2). Retention leaves the same nothing behind for what it removes."""

import json
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import serializers
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tests.signing import load_webhook
from tests.whatsapp_data import make_broadcast, make_subscriber
from wagtail_whatsapp.models import Delivery, InboundMessage, StatusUpdate, Subscriber, WhatsAppSettings
from wagtail_whatsapp.subscribers.retention import apply_retention

pytestmark = pytest.mark.django_db

NUMBER = "+393481234511"
USER_ID = "IT.4491208655302741918"
SECRET_TEXT = "Il mio codice fiscale è RSSMRA80A01H501U"
OUTBOUND_WAMID = "wamid.HBgMMzkzNDgxMjM0NTExFQIAERgSMkE3QzQ5OEQ1RjZCOEUwMDAxAA=="
TRACES = [
    NUMBER,
    "393481234511",
    "00393481234511",
    "348 123 4511",
    "+39 348 123 4511",
    "3481234511",
    "+39 348 ••• •511",
    USER_ID,
    "4491208655302741918",
    "RSSMRA80A01H501U",
    "Giulia Bianchi",
    "MzkzNDgxMjM0NTEx",  # the number as it sits inside Meta's wamids (base64)
]
OTHER = "+393331112222"


def _post_message(webhook, text, *, n):
    payload = load_webhook("webhook_incoming_text_number_and_user_id")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["profile"]["name"] = "Giulia Bianchi"
    message = value["messages"][0]
    message["text"]["body"] = text
    message["id"] = f"wamid.HBgMMzkzNDgxMjM0NTExFQIAEhgUM0EwMDAwMDAwMDAwMDAwMDAw{n:02d}AA"
    message["timestamp"] = str(int(time.time()) - 600 + n)
    assert webhook.post(payload).status_code == 200


def _post_failed_status(webhook, delivery):
    payload = load_webhook("webhook_status_failed_131049")
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(id=OUTBOUND_WAMID, recipient_id="393481234511", biz_opaque_callback_data=delivery.callback_data)
    status["errors"][0]["error_data"]["details"] = "Message to 393481234511 failed."
    assert webhook.post(payload).status_code == 200


def dump_everything():
    """Every row of every table of every installed app, as text."""
    rows = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        rows += serializers.serialize("python", model._base_manager.all())
    return json.dumps(rows, default=str, ensure_ascii=False)


def dump_queue():
    """The queued tasks, read by Huey and as the raw bytes it stores (a pickled string keeps its text)."""
    tasks = repr([(task.name, task.args, task.kwargs) for task in HUEY.pending()])
    return tasks + b"".join(HUEY.storage.enqueued_items()).decode("utf-8", errors="replace")


@pytest.fixture
def queued():
    """Tasks stay in the queue instead of running at once (the Huey consumer is "down")."""
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


def test_nothing_of_the_erased_citizen_is_left_anywhere(
    client, webhook, webhook_site_settings, whatsapp_user, test_backend, queued
):
    site = webhook_site_settings.site
    queued.immediate = True
    # The citizen joins, writes, receives a broadcast that fails; Meta's status names them.
    _post_message(webhook, "ISCRIVIMI", n=1)
    _post_message(webhook, SECRET_TEXT, n=2)
    citizen = Subscriber.objects.get(phone_number=NUMBER)
    assert citizen.wa_user_id == USER_ID
    other = make_subscriber(site, OTHER, profile_name="Carlo Verdi")
    broadcast = make_broadcast(site, [citizen, other], [Delivery.Status.SENT, Delivery.Status.SENT])
    delivery = broadcast.deliveries.get(subscriber=citizen)
    delivery.wamid = OUTBOUND_WAMID
    delivery.save()
    _post_failed_status(webhook, delivery)
    assert StatusUpdate.objects.filter(recipient_id="393481234511").exists()

    # Staff act on them, writing the number into the audit log the ways people do.
    manager = whatsapp_user("manage_subscribers", "moderate_inbox", "view_reports")
    client.force_login(manager)
    message = InboundMessage.objects.get(text=SECRET_TEXT)
    client.post(
        reverse("wagtail_whatsapp_admin:inbox_report", args=[message.pk]), {"reason": "scrive dal 348 123 4511"}
    )
    client.get(reverse("wagtail_whatsapp_admin:subscribers_export"), {"q": "348 123 4511"})
    client.post(
        reverse("wagtail_whatsapp_admin:gdpr"), {"action": "export", "export-site": site.pk, "export-number": NUMBER}
    )
    client.post(
        reverse("wagtail_whatsapp_admin:subscriber_block", args=[citizen.pk]),
        {"reason": f"molesta da 0039 348 1234511 ({USER_ID})"},
    )

    # The consumer is down when they write once more: the task waits in the queue.
    queued.immediate = False
    _post_message(webhook, "RSSMRA80A01H501U ancora", n=3)
    assert len(queued.pending()) >= 1

    before = dump_everything()
    assert all(trace in before for trace in (NUMBER, USER_ID, "RSSMRA80A01H501U"))  # the dump sees them

    response = client.post(
        reverse("wagtail_whatsapp_admin:gdpr"),
        {"action": "erase", "erase-site": site.pk, "erase-number": NUMBER, "erase-confirm": "on"},
    )
    assert response.status_code == 302

    after, queue = dump_everything(), dump_queue()
    for trace in TRACES:
        assert trace not in after, trace
        assert trace not in queue, trace
    assert OTHER in after and "Carlo Verdi" in after  # the dump is not simply empty
    assert Delivery.objects.filter(broadcast=broadcast).count() == 2  # the report still adds up
    # The queued task finds nothing to do once its row is gone.
    waiting = queued.pending()
    queued.immediate = True  # (djhuey closes the test's database connection around tasks run by a consumer)
    for task in waiting:
        queued.execute(task)
    assert not Subscriber.objects.filter(phone_number=NUMBER).exists()


def test_a_status_meta_repeats_after_the_erasure_does_not_bring_the_number_back(
    client, webhook, webhook_site_settings, whatsapp_user
):
    site = webhook_site_settings.site
    citizen = make_subscriber(site, NUMBER, wa_user_id=USER_ID)
    delivery = make_broadcast(site, [citizen], [Delivery.Status.SENT]).deliveries.get()
    delivery.wamid = OUTBOUND_WAMID
    delivery.save()
    client.force_login(whatsapp_user("manage_subscribers"))
    client.post(
        reverse("wagtail_whatsapp_admin:gdpr"),
        {"action": "erase", "erase-site": site.pk, "erase-number": NUMBER, "erase-confirm": "on"},
    )
    _post_failed_status(webhook, delivery)  # Meta's duplicate, days later
    after = dump_everything()
    for trace in ("393481234511", "MzkzNDgxMjM0NTEx"):
        assert trace not in after, trace
    assert Delivery.objects.get().status == Delivery.Status.FAILED  # the figures still follow


def test_retention_leaves_no_trace_of_what_it_removes(client, webhook, webhook_site_settings, whatsapp_user):
    site = webhook_site_settings.site
    wa_settings = WhatsAppSettings.for_site(site)
    wa_settings.inbox_retention_days, wa_settings.delivery_retention_days = 30, 60
    wa_settings.save()
    _post_message(webhook, SECRET_TEXT, n=4)
    message = InboundMessage.objects.get()
    subscriber = make_subscriber(site, NUMBER, wa_user_id=USER_ID)
    broadcast = make_broadcast(site, [subscriber], [Delivery.Status.SENT])
    delivery = broadcast.deliveries.get()
    delivery.wamid = OUTBOUND_WAMID
    delivery.save()
    _post_failed_status(webhook, delivery)
    client.force_login(whatsapp_user("moderate_inbox"))
    client.post(reverse("wagtail_whatsapp_admin:inbox_delete", args=[message.pk]), {"reason": "RSSMRA80A01H501U"})

    long_ago = timezone.now() - timedelta(days=61)
    InboundMessage.objects.update(received_at=long_ago)
    Delivery.objects.update(created_at=long_ago)
    StatusUpdate.objects.update(received_at=long_ago)
    apply_retention()

    after = dump_everything()
    for trace in ("RSSMRA80A01H501U", OUTBOUND_WAMID, "MzkzNDgxMjM0NTEx", "+39 348 ••• •511"):
        assert trace not in after, trace
    # The subscriber stays (retention is about messages and deliveries), the delivery's status too.
    assert Subscriber.objects.filter(phone_number=NUMBER).exists()
    assert Delivery.objects.get().status == Delivery.Status.FAILED
