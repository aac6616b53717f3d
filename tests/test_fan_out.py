"""The fan-out: one pending delivery per active subscriber, whatever the list's size, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Site

from wagtail_whatsapp.models import Broadcast, Delivery, Subscriber
from wagtail_whatsapp.outbound.delivery_claims import fan_out

pytestmark = pytest.mark.django_db


def subscribers(site, count, start=0, **fields):
    recent = timezone.now() - timedelta(hours=1)
    return Subscriber.objects.bulk_create(
        Subscriber(site=site, phone_number=f"+39333{n:07d}", subscribed_at=recent, **fields)
        for n in range(start, start + count)
    )


def fan_out_counting_queries(broadcast):
    with CaptureQueriesContext(connection) as queries:
        fan_out(broadcast)
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_every_active_subscriber_gets_one_pending_delivery_in_the_same_few_queries_for_any_size(site):
    few = Broadcast.objects.create(site=site, title="Poche righe", message="…")
    subscribers(site, 3)
    few_queries = fan_out_counting_queries(few)

    subscribers(site, 2_000, start=3)
    subscribers(site, 5, start=5_000, status=Subscriber.Status.UNSUBSCRIBED)
    other_site = Site.objects.create(hostname="altro.example", root_page=site.root_page, site_name="Altro")
    subscribers(other_site, 7, start=6_000)  # another town's citizens are never in this town's broadcast
    many = Broadcast.objects.create(site=site, title="Molte righe", message="…")
    many_queries = fan_out_counting_queries(many)

    assert len(many_queries) == len(few_queries) <= 4, many_queries
    many.refresh_from_db()
    assert many.recipients_count == 2_003 and many.fanned_out_at is not None
    active = set(Subscriber.objects.active(site.pk).values_list("pk", flat=True))
    assert set(Delivery.objects.filter(broadcast=many).values_list("subscriber_id", flat=True)) == active
    # Each row is what the model gives a new delivery.
    row = Delivery.objects.filter(broadcast=many).first()
    assert (row.status, row.wamid, row.attempts, row.used_template, row.claim_token) == ("pending", "", 0, False, "")
    assert abs((row.created_at - timezone.now()).total_seconds()) < 60


def test_a_second_fan_out_adds_only_those_subscribed_since(site):
    broadcast = Broadcast.objects.create(site=site, title="Ripresa", message="…")
    subscribers(site, 10)
    fan_out(broadcast)
    Delivery.objects.filter(broadcast=broadcast).update(status=Delivery.Status.SENT)
    subscribers(site, 2, start=100)

    fan_out(broadcast)

    assert Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.SENT).count() == 10
    assert Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.PENDING).count() == 2
    broadcast.refresh_from_db()
    assert broadcast.recipients_count == 12
