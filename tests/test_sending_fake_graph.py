"""The sender against the fake Graph API (a real HTTP server): faults, a dead token, an unsubscribe mid-way."""

from collections import Counter

import pytest

from tests.broadcasting import approved_template, news_page, subscribers
from tests.status_relay import accepted_callbacks, deliver_sent_statuses
from wagtail_whatsapp.backends.cloud import CloudBackend
from wagtail_whatsapp.models import Broadcast, Subscriber
from wagtail_whatsapp.outbound import delivery_claims as claims
from wagtail_whatsapp.outbound import send_failures
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import resume_broadcast, start_broadcast
from wagtail_whatsapp.outbound.progress import progress_of as broadcast_progress

pytestmark = pytest.mark.django_db

TEXT_AND_BUTTON = [
    {"type": "BODY", "text": "Novità dal Comune: {{1}}"},
    {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Leggi", "url": "https://testserver/{{1}}"}]},
]


@pytest.fixture
def fast(settings, fake_graph, monkeypatch):
    settings.WAGTAIL_WHATSAPP = {
        **settings.WAGTAIL_WHATSAPP,
        "MESSAGES_PER_SECOND": 2000,
        "READ_TIMEOUT": 0.3,
        "DELIVERY_STATUS_GRACE_SECONDS": 0.5,
    }
    fake_graph.hold_seconds = 0.6  # a "timeout" answers after the client gave up
    monkeypatch.setattr(send_failures, "BACKOFF_BASE", 0.05)
    monkeypatch.setattr(sending, "RECONCILE_EVERY", 0.2)
    return fake_graph


@pytest.fixture
def meta_webhooks(fast, monkeypatch):
    """Meta's "sent" statuses arrive within the grace period: applied before each look at deliveries in doubt."""
    relayed = {"count": 0}
    reconcile = claims.reconcile_in_doubt

    def webhooks_then_reconcile(*args, **kwargs):
        pairs = accepted_callbacks(fast, relayed["count"])
        relayed["count"] += len(pairs)
        deliver_sent_statuses(pairs)
        return reconcile(*args, **kwargs)

    monkeypatch.setattr(claims, "reconcile_in_doubt", webhooks_then_reconcile)
    return relayed


def test_thousand_subscribers_with_5xx_and_timeouts_get_exactly_one_message_each(site, fast, meta_webhooks, caplog):
    caplog.set_level("INFO", logger="wagtail_whatsapp.backends.cloud")
    fast.configure(error_5xx_rate=0.05, timeout_rate=0.02, seed=5)
    subscribers(site, 1000, in_window=1000)
    broadcast = start_broadcast(news_page(site))
    assert sending.send_broadcast(broadcast.pk)

    per_number = Counter(accepted.to for accepted in fast.accepted)
    assert len(per_number) == 1000 and set(per_number.values()) == {1}
    assert fast.duplicates() == {}
    assert fast.errors[2] > 20  # the faults really happened (5 % of 1,000 sends and of their retries)
    timeouts = sum("did not answer in time" in record.getMessage() for record in caplog.records)
    assert timeouts > 5  # and so did the timeouts (their messages were accepted all the same)
    # Each refused call was tried again; no timed-out message was: its status webhook showed it had gone out.
    message_calls = sum(1 for request in fast.requests if request.path.endswith("/messages"))
    assert message_calls == 1000 + fast.errors[2]
    progress = broadcast_progress(broadcast)
    assert (progress["status"], progress["sent"], progress["failed"]) == ("done", 1000, 0)


def test_dead_token_pauses_within_five_failed_calls_and_resume_completes(
    site, fast, meta_webhooks, django_capture_on_commit_callbacks
):
    subscribers(site, 120, in_window=120)
    broadcast = start_broadcast(news_page(site))
    fast.token_fails_after = 50
    assert not sending.send_broadcast(broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.PAUSED
    assert "190" in broadcast.status_reason
    assert len(fast.accepted) == 50
    assert 1 <= fast.errors[190] <= 5

    fast.token_fails_after = None  # a new token is in place
    with django_capture_on_commit_callbacks(execute=True):
        resume_broadcast(broadcast)
    per_number = Counter(accepted.to for accepted in fast.accepted)
    assert len(per_number) == 120 and set(per_number.values()) == {1}
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE


def test_unsubscribe_during_the_broadcast_is_respected(site, fast, monkeypatch):
    subscribers(site, 30, in_window=30)
    broadcast = start_broadcast(news_page(site))
    send_text = CloudBackend.send_text

    def send_and_meanwhile_someone_leaves(self, to, *args, **kwargs):
        if len(fast.accepted) == 10:
            Subscriber.objects.filter(phone_number="+393330000025").update(status=Subscriber.Status.UNSUBSCRIBED)
        return send_text(self, to, *args, **kwargs)

    monkeypatch.setattr(CloudBackend, "send_text", send_and_meanwhile_someone_leaves)
    assert sending.send_broadcast(broadcast.pk)
    numbers = [accepted.to for accepted in fast.accepted]
    assert len(numbers) == 29 and "393330000025" not in numbers
    assert broadcast_progress(broadcast)["skipped"] == 1


def test_an_accented_slug_goes_percent_encoded_in_the_template_url_button(site, fast):
    """Wagtail allows accented slugs; Meta wants the variable end of a template's URL button percent-encoded. The
    broadcast path builds the button with the backend's one component builder, so it is encoded there."""
    fast.add_stored_template(approved_template(site, components=TEXT_AND_BUTTON, mapping="1 = title"))
    subscribers(site, 1, in_window=0)
    page = news_page(site, title="Festa del caffè")
    page.slug = "festa-del-caffè"
    page.save_revision().publish()
    page.refresh_from_db()
    broadcast = start_broadcast(page)
    assert sending.send_broadcast(broadcast.pk)

    (request,) = [request for request in fast.requests if request.path.endswith("/messages")]
    components = {component["type"]: component for component in request.json["template"]["components"]}
    suffix = components["button"]["parameters"][0]["text"]
    assert suffix.endswith("festa-del-caff%C3%A8/") and "è" not in suffix
