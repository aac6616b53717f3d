"""With sending threads on SQLite the sender's writes are a thread's of their own (outbound/bookkeeping.py): while
another process holds the database's one writer, as Meta's status webhooks do all along a broadcast, the messages
keep going out at the pace; and what was claimed ahead is never left "sending" when the broadcast stops."""

import sqlite3
import threading
import time

import pytest
from django.db import connection

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import start_broadcast

# Threads see only what is committed: no test transaction around these tests.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

CAP = 100


@pytest.fixture
def threads(settings, test_backend):
    if connection.vendor != "sqlite":
        pytest.skip("the bookkeeper is SQLite's: PostgreSQL's writes wait for rows, not for one writer")
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BROADCAST_WORKERS": 4, "MESSAGES_PER_SECOND": CAP}
    return test_backend


class WriterHeld:
    """Another connection holds SQLite's write lock for ``seconds``, from the ``after``-th message on."""

    def __init__(self, seconds, after):
        self.seconds, self.after = seconds, after
        self.sent_at, self.held = [], None
        self._thread = threading.Thread(target=self._hold)
        self._path = connection.settings_dict["NAME"]

    def before_send(self, to, callback_data):
        self.sent_at.append(time.monotonic())
        if len(self.sent_at) == self.after:
            self._thread.start()

    def _hold(self):
        other = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        start = time.monotonic()
        time.sleep(self.seconds)
        self.held = (start, time.monotonic())
        other.execute("COMMIT")
        other.close()

    def sent_while_held(self):
        self._thread.join()
        start, end = self.held
        return sum(start < at < end for at in self.sent_at)


def test_messages_keep_going_out_at_the_pace_while_another_process_holds_the_writer(site, threads):
    subscribers(site, 400, in_window=400)
    writer = WriterHeld(seconds=1.0, after=50)
    threads.before_send = writer.before_send
    broadcast = start_broadcast(news_page(site))  # committed: the queue's task sends it now
    # At 100 messages/s, a second with the writer held: a dispatcher that claimed and recorded itself stopped within
    # a tenth of it (its next record of sent calls); claimed ahead, the sends go on.
    assert writer.sent_while_held() >= CAP // 2
    assert len(threads.sent) == 400 and len(set(threads.numbers())) == 400
    assert Delivery.objects.filter(broadcast=broadcast, status="sent").count() == 400
    assert Broadcast.objects.get(pk=broadcast.pk).sent_count == 400


def test_a_pause_leaves_what_was_claimed_ahead_pending_and_the_resume_sends_it_once(site, threads):
    subscribers(site, 300, in_window=300)

    def pause_after_the_hundredth(to, callback_data):
        if len(threads.sent) == 100:
            Broadcast.objects.update(status=Broadcast.Status.PAUSED)

    threads.before_send = pause_after_the_hundredth
    broadcast = start_broadcast(news_page(site))
    assert Broadcast.objects.get(pk=broadcast.pk).status == Broadcast.Status.PAUSED
    statuses = set(Delivery.objects.filter(broadcast=broadcast).values_list("status", flat=True))
    assert "sending" not in statuses and "pending" in statuses  # the claims ahead went back to the queue
    assert 100 <= len(threads.sent) < 300

    threads.before_send = None
    Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.SENDING)
    assert sending.send_broadcast(broadcast.pk)
    assert len(threads.sent) == 300 and len(set(threads.numbers())) == 300
    assert Delivery.objects.filter(broadcast=broadcast, status="sent").count() == 300
