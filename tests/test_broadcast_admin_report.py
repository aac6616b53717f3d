"""The broadcast report: list, progress page, JSON progress, CSV export, pause / resume / cancel, permissions."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.broadcast_admin import approved_template, make_subscribers, make_user
from wagtail_whatsapp.models import Broadcast, Delivery
from wagtail_whatsapp.outbound.delivery_claims import fan_out

pytestmark = pytest.mark.django_db


@pytest.fixture
def broadcast(site, news_page, sender, broadcast_engine):
    """A broadcast to 5 subscribers half-way through: 2 read, 1 delivered, 1 failed, 1 still waiting."""
    make_subscribers(site, outside_window=3, inside_window=2)
    approved_template(site)
    broadcast = broadcast_engine.start_broadcast(news_page, user=sender)
    fan_out(broadcast)  # what the queued task does first
    broadcast.status = Broadcast.Status.SENDING
    broadcast.save()
    now = timezone.now()
    deliveries = list(broadcast.deliveries.order_by("pk"))
    for delivery, status in zip(deliveries, ["read", "read", "delivered", "failed", "pending"], strict=True):
        delivery.status = status
        if status != "pending":
            delivery.attempts = 1
        if status in ("read", "delivered"):
            delivery.sent_at = delivery.delivered_at = now
        if status == "failed":
            delivery.error_code, delivery.error_reason, delivery.failed_at = 131026, "Message undeliverable", now
        delivery.save()
    return broadcast


@pytest.fixture
def reader(django_user_model, site):
    return make_user(django_user_model, site, "reader", ["view_reports"])


@pytest.fixture
def manager(django_user_model, site):
    return make_user(django_user_model, site, "manager", ["view_reports", "manage_subscribers"])


def url(name, broadcast, *args):
    return reverse(f"wagtail_whatsapp_admin:{name}", args=[broadcast.pk, *args])


def test_index_lists_broadcasts(client, reader, broadcast):
    client.force_login(reader)
    response = client.get(reverse("wagtail_whatsapp_admin:broadcast_index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-broadcast="{broadcast.pk}"' in html
    assert url("broadcast_report", broadcast) in html
    assert "Chiusura di via Roma" in html


def test_index_filters_by_page(client, reader, broadcast):
    client.force_login(reader)
    other = reverse("wagtail_whatsapp_admin:broadcast_index") + f"?page_id={broadcast.page_id + 1000}"
    assert f'data-broadcast="{broadcast.pk}"' not in client.get(other).content.decode()


def test_report_shows_progress_counts_rates_and_failures(client, reader, broadcast):
    client.force_login(reader)
    response = client.get(url("broadcast_report", broadcast))
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    assert 'aria-valuenow="80"' in html  # 4 of 5 done
    assert 'data-progress-field="sent">3<' in html
    assert 'data-progress-field="delivered">3<' in html
    assert 'data-progress-field="read">2<' in html
    assert 'data-progress-field="rates.read">66.7<' in html  # read of delivered
    assert 'data-progress-field="failed">1<' in html
    assert 'data-progress-field="pending">1<' in html
    # The failure is explained in plain language, with Meta's code for whoever investigates.
    assert "The number cannot receive WhatsApp messages" in html
    assert "error 131026" in html
    # While it sends: the polling script, and a reload for browsers without JavaScript.
    assert "broadcast-progress.js" in html
    assert '<noscript><meta http-equiv="refresh"' in html
    assert url("broadcast_progress", broadcast) in html


def test_reader_without_send_permission_gets_no_control_buttons(client, reader, broadcast):
    client.force_login(reader)
    html = client.get(url("broadcast_report", broadcast)).content.decode()
    assert url("broadcast_control", broadcast, "pause") not in html
    assert url("broadcast_control", broadcast, "cancel") not in html


def test_progress_json(client, reader, broadcast):
    client.force_login(reader)
    response = client.get(url("broadcast_progress", broadcast))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "sending" and data["active"] is True
    assert data["percent"] == 80
    assert (data["recipients"], data["sent"], data["delivered"], data["read"], data["failed"], data["pending"]) == (
        5,
        3,
        3,
        2,
        1,
        1,
    )
    assert data["rates"] == {"delivered": 100.0, "read": 66.7, "failed": 20.0}
    assert data["failures"] == [
        {
            "reason": "The number cannot receive WhatsApp messages (not on WhatsApp or an old app).",
            "codes": ["131026"],
            "count": 1,
        }
    ]

    # It follows the deliveries as they move on.
    Delivery.objects.filter(broadcast=broadcast, status="pending").update(status="sent")
    assert client.get(url("broadcast_progress", broadcast)).json()["percent"] == 100


def csv_rows(response):
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_csv_masks_numbers_without_subscriber_permission(client, reader, broadcast):
    client.force_login(reader)
    response = client.get(url("broadcast_deliveries_csv", broadcast))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][:3] == ["Number", "Status", "Message type"]
    assert len(rows) == 6
    numbers = [row[0] for row in rows[1:]]
    assert all("•" in number for number in numbers)
    assert not any("3481000000" in number for number in numbers)
    failed = next(row for row in rows if row[1] == "Failed")
    assert failed[7:9] == ["131026", "Message undeliverable"]


def test_csv_shows_full_numbers_with_subscriber_permission(client, manager, broadcast):
    client.force_login(manager)
    rows = csv_rows(client.get(url("broadcast_deliveries_csv", broadcast)))
    assert sorted(row[0] for row in rows[1:]) == [f"+39{3481000000 + index}" for index in range(5)]


def test_csv_cells_cannot_become_formulas(client, manager, broadcast):
    Delivery.objects.filter(broadcast=broadcast, status="failed").update(error_reason='=HYPERLINK("http://x")')
    client.force_login(manager)
    rows = csv_rows(client.get(url("broadcast_deliveries_csv", broadcast)))
    assert next(row for row in rows if row[1] == "Failed")[8] == '\'=HYPERLINK("http://x")'


def test_pause_resume_cancel(client, sender, broadcast):
    client.force_login(sender)
    html = client.get(url("broadcast_report", broadcast)).content.decode()
    assert url("broadcast_control", broadcast, "pause") in html

    response = client.post(url("broadcast_control", broadcast, "pause"), follow=True)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.PAUSED
    html = response.content.decode()
    assert "The broadcast is paused" in html
    assert url("broadcast_control", broadcast, "resume") in html
    assert url("broadcast_control", broadcast, "pause") not in html

    client.post(url("broadcast_control", broadcast, "resume"))
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.QUEUED  # back in the queue, from where it stopped

    client.post(url("broadcast_control", broadcast, "cancel"))
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.CANCELLED

    # The engine refuses to resume a cancelled broadcast: the editor is told, nothing changes.
    response = client.post(url("broadcast_control", broadcast, "resume"), follow=True)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.CANCELLED
    assert "Only a paused broadcast can be resumed; this one is “Cancelled”." in response.content.decode()
    html = response.content.decode()
    assert url("broadcast_control", broadcast, "cancel") not in html


def test_controls_need_post_and_a_known_action(client, sender, broadcast):
    client.force_login(sender)
    assert client.get(url("broadcast_control", broadcast, "pause")).status_code == 405
    assert client.post(url("broadcast_control", broadcast, "explode")).status_code == 404
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENDING


def test_controls_are_refused_without_send_permission(client, reader, broadcast):
    client.force_login(reader)
    for action in ("pause", "resume", "cancel"):
        assert client.post(url("broadcast_control", broadcast, action)).status_code == 403
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENDING


def test_every_report_view_is_refused_without_permission(client, plain_editor, broadcast):
    client.force_login(plain_editor)
    assert client.get(reverse("wagtail_whatsapp_admin:broadcast_index")).status_code == 403
    for name in ("broadcast_report", "broadcast_progress", "broadcast_deliveries_csv"):
        assert client.get(url(name, broadcast)).status_code == 403, name


def test_sender_may_read_reports(client, sender, broadcast):
    client.force_login(sender)
    assert client.get(url("broadcast_report", broadcast)).status_code == 200
    assert client.get(url("broadcast_progress", broadcast)).status_code == 200


def test_anonymous_is_sent_to_login(client, broadcast):
    response = client.get(url("broadcast_report", broadcast))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


def test_a_broadcast_paused_by_the_engine_says_why(client, reader, broadcast):
    # What the sender does when WhatsApp refuses every message (outbound/sender.py ``_pause``).
    Broadcast.objects.filter(pk=broadcast.pk).update(
        status=Broadcast.Status.PAUSED, status_reason="The access token is not valid or has expired."
    )
    client.force_login(reader)
    html = client.get(url("broadcast_report", broadcast)).content.decode()
    assert "<strong>Paused:</strong> The access token is not valid or has expired." in html
    assert "press “Resume”" in html
    # Not sending any more: no polling, no automatic reload.
    assert '<noscript><meta http-equiv="refresh"' not in html
    assert client.get(url("broadcast_progress", broadcast)).json()["active"] is False


def test_the_whatsapp_menus_broadcast_list_links_each_report(admin_client, site):
    from wagtail_whatsapp.models import Broadcast

    broadcast = Broadcast.objects.create(site=site, title="Via Roma chiusa", message="*Via Roma chiusa*")
    response = admin_client.get("/admin/wagtail_whatsapp/broadcast/")
    assert response.status_code == 200
    assert f'href="/admin/whatsapp/broadcasts/{broadcast.pk}/"' in response.content.decode()


def test_the_marketing_cap_is_explained_without_inviting_a_resend(client, reader, broadcast):
    # 131049 arrives as a failed status webhook; the delivery is final, so the report must not suggest trying again.
    broadcast.deliveries.filter(status="failed").update(error_code=131049, error_reason="healthy ecosystem")
    client.force_login(reader)
    html = " ".join(client.get(url("broadcast_report", broadcast)).content.decode().split())
    assert "cap on promotional messages per person was reached" in html
    assert "still gets the next broadcasts" in html and "Sending the page again would not help" in html
    assert "error 131049" in html
    assert "try again" not in html
