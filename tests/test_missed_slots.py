"""A slot of the pace missed (a busy machine) is given up, never used late: the delivery takes a later slot, is read
again before it, and goes out once (``outbound/feeding.py``)."""

import logging
import re
import time

import pytest

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.backends import deadline
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound import composing
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import start_broadcast
from wagtail_whatsapp.outbound.ratelimit import MAX_LATENESS, SharedRateLimiter

pytestmark = pytest.mark.django_db


def late_on(monkeypatch, *calls):
    """``is_late`` answers yes on its ``calls``-th use (1-based), as a machine too busy at that moment would."""
    seen = []
    real = SharedRateLimiter.is_late

    def is_late(self, slot):
        seen.append(slot)
        return len(seen) in calls or real(self, slot)

    monkeypatch.setattr(SharedRateLimiter, "is_late", is_late)


@pytest.fixture
def broadcast(site):
    subscribers(site, 4, in_window=4)
    return start_broadcast(news_page(site))


def sent_once(test_backend):
    return len(test_backend.sent) == 4 and len(set(test_backend.numbers())) == 4


def test_a_slot_the_sending_thread_missed_is_given_up_and_the_message_goes_out_once(
    broadcast, test_backend, monkeypatch, caplog
):
    read_before = []
    test_backend.before_send = lambda to, callback_data: read_before.append(to)
    late_on(monkeypatch, 2)  # 1: the dispatcher's check before the first read; 2: the thread's, at the slot
    with caplog.at_level(logging.INFO, logger="wagtail_whatsapp"):
        assert sending.send_broadcast(broadcast.pk)
    assert sent_once(test_backend)
    assert "missed 1 slots of the pace" in caplog.text
    assert Delivery.objects.filter(broadcast=broadcast, status="sent", attempts=1).count() == 4


def test_a_slot_missed_before_the_read_is_given_up_and_nothing_is_lost(broadcast, test_backend, monkeypatch, caplog):
    late_on(monkeypatch, 1)
    with caplog.at_level(logging.INFO, logger="wagtail_whatsapp"):
        assert sending.send_broadcast(broadcast.pk)
    assert sent_once(test_backend)
    assert "missed 1 slots of the pace" in caplog.text
    assert Broadcast.objects.get(pk=broadcast.pk).sent_count == 4


def test_a_delivery_waiting_for_a_new_slot_honours_a_cancel_made_meanwhile(
    broadcast, test_backend, monkeypatch, admin_user
):
    """Its first read said "send"; the slot was missed; the editor cancelled: the read before its new slot says no."""
    from wagtail_whatsapp.outbound.broadcasts import cancel_broadcast

    calls = []
    real = SharedRateLimiter.is_late

    def late_then_cancelled(self, slot):
        calls.append(slot)
        if len(calls) == 2:
            cancel_broadcast(Broadcast.objects.get(pk=broadcast.pk), user=admin_user)
            return True
        return real(self, slot)

    monkeypatch.setattr(SharedRateLimiter, "is_late", late_then_cancelled)
    assert not sending.send_broadcast(broadcast.pk)
    assert test_backend.sent == []
    assert Broadcast.objects.get(pk=broadcast.pk).status == Broadcast.Status.CANCELLED


def test_a_thread_held_up_after_its_slot_was_checked_sends_nothing_late(site, fake_graph, monkeypatch, caplog):
    """Held up between the check of its slot and the write (a busy machine): the backend checks again right before
    the write, so the message leaves with a later slot, never late beside the next second's messages."""
    subscribers(site, 4, in_window=4)
    broadcast = start_broadcast(news_page(site))
    real, last_moments = composing.send_broadcast_message, {}

    def slow_first(backend, snapshot, to, **kwargs):
        if not last_moments:
            time.sleep(MAX_LATENESS + 0.05)
        last_moments[to] = deadline.current()  # the latest its slot lets it leave
        return real(backend, snapshot, to, **kwargs)

    monkeypatch.setattr(composing, "send_broadcast_message", slow_first)
    with caplog.at_level(logging.INFO, logger="wagtail_whatsapp"):
        assert sending.send_broadcast(broadcast.pk)
    messages = [r for r in fake_graph.requests if r.path.endswith("/messages")]
    assert len(messages) == len(fake_graph.accepted) == 4  # the held-up call never reached Meta
    assert len({a.to for a in fake_graph.accepted}) == 4
    # Each arrived (the kernel's receive time) by the last moment of the slot it was sent for.
    assert all(a.at <= last_moments[a.to.lstrip("+")] + 0.002 for a in fake_graph.accepted)
    assert re.search(r"missed [1-4] slots of the pace", caplog.text)  # the others waited behind it (one thread)
    assert Delivery.objects.filter(broadcast=broadcast, status="sent").count() == 4
