"""Welcome and goodbye are owed, retried and sent once; a dead worker's claims come back within a minute (issue 13,
points 11 and 12). Time is simulated: ``clock.advance(seconds)`` moves ``timezone.now()`` for the plugin."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.inbound import keyword_dispatch, owed_replies, tasks
from wagtail_whatsapp.models import ConsentRecord, InboundMessage, Reply, Subscriber
from wagtail_whatsapp.sandbox.simulate import status_payload, text_message_payload

NUMBER_ID = "106540352242922"
CITIZEN = "+393331234567"
TO = CITIZEN.lstrip("+")


class Clock:
    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr("django.utils.timezone.now", lambda: self.now)

    def advance(self, seconds):
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def graph(test_backend, settings):
    """The test backend, with a realistic grace period for replies in doubt."""
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "DELIVERY_STATUS_GRACE_SECONDS": 120}
    return test_backend


def write(webhook, text, clock, wamid=None):
    payload = text_message_payload(
        CITIZEN, text, phone_number_id=NUMBER_ID, timestamp=clock.now.timestamp(), wamid=wamid
    )
    assert webhook.post(payload).status_code == 200


def every_minute(clock, minutes=1):
    for _ in range(minutes):
        clock.advance(60)
        tasks.process_stale_events.call_local()


def texts(graph):
    return [message["payload"]["body"] for message in graph.sent]


def unavailable():
    return WhatsAppError("Service temporarily unavailable", kind=ErrorKind.RETRYABLE, code=131000, http_status=503)


# --- 11. Replies are retried, exactly once ----------------------------------------------------------------------------
def test_a_welcome_that_meets_a_passing_graph_error_is_sent_on_a_later_try(
    webhook, webhook_site_settings, graph, clock
):
    graph.faults[TO] = [unavailable(), unavailable()]
    write(webhook, "ISCRIVIMI", clock)

    assert Subscriber.objects.get().status == "active"
    reply = Reply.objects.get()
    assert (reply.kind, reply.status, reply.attempts, reply.error_code) == ("welcome", "pending", 1, 131000)
    assert reply.next_attempt_at > clock.now  # backoff, not at once
    assert graph.sent == []

    every_minute(clock, 3)

    assert graph.failed_calls == 2
    assert len(graph.sent) == 1 and "Benvenuto" in texts(graph)[0]
    reply.refresh_from_db()
    assert (reply.status, reply.wamid) == ("sent", graph.sent[0]["wamid"])
    every_minute(clock, 5)
    assert len(graph.sent) == 1


def test_a_goodbye_is_retried_too(webhook, webhook_site_settings, graph, clock):
    write(webhook, "ISCRIVIMI", clock)
    graph.faults[TO] = [unavailable()]
    clock.advance(5)
    write(webhook, "CANCELLAMI", clock)
    assert Subscriber.objects.get().status == "unsubscribed"
    assert Reply.objects.get(kind="goodbye").status == "pending"

    every_minute(clock)

    assert Reply.objects.get(kind="goodbye").status == "sent"
    assert list(Reply.objects.order_by("pk").values_list("kind", flat=True)) == ["welcome", "goodbye"]
    assert len(graph.sent) == 2


def test_a_reply_that_finally_fails_is_shown_in_the_admin(webhook, webhook_site_settings, graph, clock, client):
    graph.faults[TO] = [WhatsAppError("Recipient cannot be sender", kind=ErrorKind.RECIPIENT, code=131021)]
    write(webhook, "ISCRIVIMI", clock)
    reply = Reply.objects.get()
    assert (reply.status, reply.error_code) == ("failed", 131021)
    every_minute(clock, 3)
    assert graph.sent == []  # refused for this citizen: never retried

    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("boss", "boss@comune.example", "pw"))
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "1 reply to a citizen could not be sent in the last 7 days." in home
    listing = client.get(reverse("wagtail_whatsapp_reply_modeladmin_index"), {"status__exact": "failed"})
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Welcome" in html and "Recipient cannot be sender" in html and CITIZEN[-3:] in html


def test_the_replies_list_masks_numbers_and_needs_a_permission(
    webhook, webhook_site_settings, graph, clock, client, whatsapp_user
):
    graph.faults[TO] = [WhatsAppError("Recipient cannot be sender", kind=ErrorKind.RECIPIENT, code=131021)]
    write(webhook, "ISCRIVIMI", clock)
    url = reverse("wagtail_whatsapp_reply_modeladmin_index")

    client.force_login(whatsapp_user("moderate_inbox"))
    assert client.get(url).status_code == 403
    client.force_login(whatsapp_user("view_reports"))
    html = client.get(url, {"status__exact": "failed"}).content.decode()
    assert "Recipient cannot be sender" in html
    assert TO not in html and CITIZEN not in html and "•" in html
    assert client.get(url, {"subscriber__phone_number__startswith": "+39"}).status_code == 400


def test_a_reply_retried_past_its_last_try_fails_visibly(webhook, webhook_site_settings, graph, clock):
    graph.faults[TO] = [unavailable() for _ in range(owed_replies.MAX_ATTEMPTS + 2)]
    write(webhook, "ISCRIVIMI", clock)
    every_minute(clock, 40)
    reply = Reply.objects.get()
    assert (reply.status, reply.attempts) == ("failed", owed_replies.MAX_ATTEMPTS)
    assert graph.failed_calls == owed_replies.MAX_ATTEMPTS and graph.sent == []


def test_a_worker_dying_between_consent_and_reply_still_welcomes_once(
    webhook, webhook_site_settings, graph, clock, monkeypatch
):
    def die(reply):
        raise SystemExit  # the consumer is killed right after the consent's transaction

    with monkeypatch.context() as patch, pytest.raises(SystemExit):
        patch.setattr(owed_replies, "queue", die)
        write(webhook, "ISCRIVIMI", clock)
    assert ConsentRecord.objects.count() == 1 and Reply.objects.get().status == "pending"
    assert graph.sent == []

    every_minute(clock)

    assert len(graph.sent) == 1 and Reply.objects.get().status == "sent"
    every_minute(clock, 3)
    assert len(graph.sent) == 1 and ConsentRecord.objects.count() == 1


def test_a_worker_dying_mid_send_is_settled_by_the_status_webhook_not_sent_twice(
    webhook, webhook_site_settings, graph, clock, monkeypatch
):
    monkeypatch.setattr(owed_replies, "queue", lambda reply: None)
    write(webhook, "ISCRIVIMI", clock)
    reply = Reply.objects.get()
    # The worker claimed it, Meta accepted the message, and the worker died before writing it down.
    assert owed_replies.claim(reply.pk, "dead-worker")
    graph().send_text(TO, "Benvenuto", callback_data=reply.callback_data)
    sent = graph.sent[0]

    item = {
        "id": sent["wamid"],
        "status": "sent",
        "recipient_id": TO,
        "biz_opaque_callback_data": sent["callback_data"],
    }
    webhook.post(status_payload(NUMBER_ID, [item]))
    every_minute(clock, 5)  # past the grace period

    reply.refresh_from_db()
    assert (reply.status, reply.wamid) == ("sent", sent["wamid"])
    assert len(graph.sent) == 1


def test_a_claim_without_any_news_is_sent_again_after_the_grace_period(
    webhook, webhook_site_settings, graph, clock, monkeypatch
):
    monkeypatch.setattr(owed_replies, "queue", lambda reply: None)
    write(webhook, "ISCRIVIMI", clock)
    reply = Reply.objects.get()
    assert owed_replies.claim(reply.pk, "dead-worker")  # died before the call
    every_minute(clock)  # within the grace period it may still be on its way
    assert graph.sent == []
    every_minute(clock, 2)
    assert len(graph.sent) == 1 and Reply.objects.get().status == "sent"


def test_a_claim_still_held_through_a_long_call_is_not_taken_back(webhook, webhook_site_settings, graph, clock):
    """A worker's claim (not in doubt: it still holds its token) may be a call of up to CONNECT_TIMEOUT + READ_TIMEOUT
    under way: past the grace period alone it is left alone; past that and the longest call, it is a dead worker's."""
    from wagtail_whatsapp import conf

    write(webhook, "ISCRIVIMI", clock)
    reply = Reply.objects.get()
    Reply.objects.filter(pk=reply.pk).update(status="pending", wamid="", sent_at=None)
    assert owed_replies.claim(reply.pk, "live-worker")
    clock.advance(conf.delivery_status_grace_seconds() + conf.longest_call_seconds())
    assert owed_replies.release_abandoned() == 0
    clock.advance(owed_replies.CLAIM_MARGIN + 1)
    assert owed_replies.release_abandoned() == 1
    assert Reply.objects.get().status == "pending"


def test_a_message_handled_twice_owes_one_reply(webhook, webhook_site_settings, graph, clock):
    write(webhook, "CANCELLAMI", clock)  # from someone not subscribed: no consent record to stop a second goodbye
    InboundMessage.objects.update(processed_at=None, handled_at=None)
    keyword_dispatch.process_pending_messages(list(InboundMessage.objects.values_list("pk", flat=True)))
    assert Reply.objects.count() == 1 and len(graph.sent) == 1


def test_old_replies_go_with_the_deliveries_retention(webhook, webhook_site_settings, graph, clock):
    from wagtail_whatsapp.subscribers.retention import apply_retention

    webhook_site_settings.delivery_retention_days = 60
    webhook_site_settings.save()
    write(webhook, "ISCRIVIMI", clock)
    clock.advance(59 * 86400)
    apply_retention()
    assert Reply.objects.count() == 1
    clock.advance(2 * 86400)
    apply_retention()
    assert not Reply.objects.exists()


# --- 12. A dead worker's claims come back within a minute -------------------------------------------------------------
def test_an_event_claimed_by_a_killed_worker_is_handled_once_within_a_minute(
    webhook, webhook_site_settings, graph, clock, monkeypatch
):
    with monkeypatch.context() as patch, pytest.raises(SystemExit):
        # The consumer is killed while handling: nothing gives the claim back.
        patch.setattr(keyword_dispatch, "handle_message", lambda message: (_ for _ in ()).throw(SystemExit))
        write(webhook, "ISCRIVIMI", clock)
    message = InboundMessage.objects.get()
    assert message.processed_at is not None and message.handled_at is None

    every_minute(clock)  # the next run, 60 s later

    assert Subscriber.objects.get().status == "active"
    assert ConsentRecord.objects.count() == 1 and len(graph.sent) == 1
    assert InboundMessage.objects.get().handled_at is not None
    every_minute(clock, 3)
    assert ConsentRecord.objects.count() == 1 and len(graph.sent) == 1


def test_recovery_runs_every_half_minute(monkeypatch):
    """Huey's periodic tasks run once a minute; each run plans a second pass half-way, so a claim (30 s) waits for
    one minute at most."""
    planned = []
    monkeypatch.setattr(tasks, "recover_lost_work", lambda: None)
    monkeypatch.setattr(tasks.recover_lost_work_again, "schedule", lambda *args, **kwargs: planned.append(kwargs))
    tasks.process_stale_events.call_local()
    assert planned == [{"delay": 30.0}]
    from wagtail_whatsapp.inbound.event_claims import CLAIM_TIMEOUT

    assert CLAIM_TIMEOUT.total_seconds() + planned[0]["delay"] <= 60


def test_the_replies_list_masks_a_user_id_like_a_number(client, site, whatsapp_user):
    user_id = "US.13491208655302741918"
    message = InboundMessage.objects.create(
        site=site, wamid="wamid.user-id-only", wa_user_id=user_id, text="ISCRIVIMI", sent_at=timezone.now()
    )
    Reply.objects.create(site=site, message=message, kind=Reply.Kind.WELCOME, status=Reply.Status.FAILED)
    client.force_login(whatsapp_user("view_reports"))
    html = client.get(reverse("wagtail_whatsapp_reply_modeladmin_index")).content.decode()
    assert user_id not in html and "US.•" in html and user_id[-3:] in html
