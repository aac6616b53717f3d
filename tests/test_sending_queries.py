"""The sending road's cost in queries: a bound per message that does not grow with the list (a bound, not a time)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import start_broadcast

pytestmark = pytest.mark.django_db

# Per message: the read right before the call and the write after it. The pace is not a query of the site's database
# on SQLite (its own file) and one on PostgreSQL.
PER_MESSAGE = 2 if connection.vendor == "sqlite" else 3


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
