"""``BROADCAST_SENDERS``: the broadcast's task asks that many consumers in all to send it together (issue 15)."""

import pytest
from django.core.checks import run_checks

from wagtail_whatsapp.outbound import queue
from wagtail_whatsapp.outbound.worker_pool import worker_count


@pytest.fixture
def sends(monkeypatch):
    calls = []
    monkeypatch.setattr(queue, "quiet_hours_delay", lambda broadcast_id: 0)
    monkeypatch.setattr(queue, "send_broadcast", calls.append)
    return calls


def test_three_senders_means_the_task_and_two_that_join_it(settings, sends):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BROADCAST_SENDERS": 3}
    queue.send_broadcast_task(7)  # the tests' Huey runs tasks at once, as a free consumer would
    assert sends == [7, 7, 7]


def test_one_sender_by_default(sends):
    queue.send_broadcast_task(7)
    assert sends == [7]


@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True])
def test_a_wrong_number_of_senders_is_a_system_check_error(settings, value):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BROADCAST_SENDERS": value}
    assert any("BROADCAST_SENDERS" in error.msg for error in run_checks())


def test_past_256_calls_in_flight_with_several_senders(settings, sends):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BROADCAST_WORKERS": 0, "BROADCAST_SENDERS": 4}
    assert worker_count(80) == 40  # 80/s × 0.5 s per message
    assert worker_count(1000) == 256  # one process: more threads only fight over its interpreter
    queue.send_broadcast_task(7)
    assert len(sends) * worker_count(1000 / 4) == 4 * 125  # 500 calls in flight for a cap of 1,000/s


def test_a_consumer_running_its_share_of_broadcasts_leaves_the_next_one_to_the_queue(settings, sends):
    """Statuses and replies need a free worker: a consumer already running BROADCASTS_PER_CONSUMER broadcasts hands a
    further one back to the queue (for a consumer with room, or itself a few seconds later) instead of taking it."""
    from huey.contrib.djhuey import HUEY

    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BROADCASTS_PER_CONSUMER": 1}
    HUEY.flush()
    assert queue._take_room()  # a broadcast is running in this consumer
    try:
        queue.send_broadcast_task(8)
    finally:
        queue._give_room_back()
    assert sends == []
    [again] = [task for task in HUEY.scheduled() if task.args == (8,)]
    assert again.kwargs == {"joining": False}

    queue.send_broadcast_task(8)  # once the first one is over, there is room
    assert sends == [8]
    HUEY.storage.flush_schedule()


@pytest.mark.parametrize("value", [0, -1, "2", True])
def test_a_wrong_number_of_broadcasts_per_consumer_is_a_system_check_error(settings, value):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BROADCASTS_PER_CONSUMER": value}
    assert any("BROADCASTS_PER_CONSUMER" in error.msg for error in run_checks())
