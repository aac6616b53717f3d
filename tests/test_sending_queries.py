"""The sending road's cost in queries: a bound per message that does not grow with the list (a bound, not a time)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import start_broadcast

pytestmark = pytest.mark.django_db

# Per message: its read right before the call. The pace (reserved 8 slots at a time at 80/s, in a file of its own on
# SQLite) and the record of what was sent (a block at a time) add a fraction of a query each. On PostgreSQL the pace is
# a query of the site's database, and a call that missed its slot on a busy machine is read again with a later one.
# Each message once had a read and a write of its own, and on PostgreSQL its slot: 2 and 3.
PER_MESSAGE = 1.5 if connection.vendor == "sqlite" else 2.5
HIGH_CAP_PER_MESSAGE = 1.1 if connection.vendor == "sqlite" else 2.5


def queries_to_send(site, count):
    broadcast = start_broadcast(news_page(site, title=f"Avviso per {count}"))
    with CaptureQueriesContext(connection) as queries:
        assert sending.send_broadcast(broadcast.pk)
    assert Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.SENT).count() == count
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_a_broadcast_costs_a_fixed_number_of_queries_per_message(site, test_backend):
    subscribers(site, 5, in_window=5)
    few = queries_to_send(site, 5)
    subscribers(site, 45, in_window=45, start=100)
    many = queries_to_send(site, 50)

    per_message = (len(many) - len(few)) / 45
    assert per_message <= PER_MESSAGE, many[-12:]
    # What does not depend on the list (start, fan-out, claims, counts, finish) stays small too.
    assert len(few) - 5 * per_message <= 40, few
    assert Broadcast.objects.filter(status=Broadcast.Status.DONE).count() == 2


def test_at_a_high_cap_only_the_read_before_each_call_is_a_query_of_its_own(site, test_backend, settings):
    """At 1,000 messages/s the slots of the pace are reserved and what was sent recorded a block at a time: one query
    per message (the read right before its call, which honours a cancel or an unsubscribe), a few per hundred."""
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "MESSAGES_PER_SECOND": 1000}
    subscribers(site, 5, in_window=5)
    few = queries_to_send(site, 5)
    subscribers(site, 95, in_window=95, start=100)
    many = queries_to_send(site, 100)
    assert (len(many) - len(few)) / 95 <= HIGH_CAP_PER_MESSAGE, many
