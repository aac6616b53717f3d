"""The inbox is a queue (issue 16, moderators): ticked rows marked reviewed at once, or deleted, reported or blocked
after a confirmation page (Wagtail's bulk actions); the next message waiting after each action on a message page;
what waits counted on the dashboard; only moderators, whatever the request says."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.whatsapp_data import make_message, make_subscriber
from wagtail_whatsapp.inbound.moderation import flag_message
from wagtail_whatsapp.models import ConsentRecord, InboundMessage, Subscriber

pytestmark = pytest.mark.django_db

INBOX = "wagtail_whatsapp_inboundmessage_modeladmin_index"
BULK_REVIEW = "wagtail_whatsapp_admin:inbox_bulk_review"


def bulk_url(action, messages, next_url=None):
    query = "&".join(f"id={message.pk}" for message in messages)
    if next_url:
        query += f"&next={next_url}"
    return reverse("wagtail_bulk_action", args=["wagtail_whatsapp", "inboundmessage", action]) + "?" + query


def detail(message):
    return reverse("wagtail_whatsapp_admin:inbox_detail", args=[message.pk])


def state(message):
    message.refresh_from_db()
    return message.state


@pytest.fixture
def moderator(client, whatsapp_user):
    user = whatsapp_user("moderate_inbox")
    client.force_login(user)
    return user


@pytest.fixture
def queue(site):
    """Three messages waiting, written 30, 20 and 10 minutes ago (the oldest first), from two citizens."""
    now = timezone.now()
    return [
        make_message(site, "Buca in via Roma", "+393481234511", sent_at=now - timedelta(minutes=30)),
        make_message(site, "Quando passa il bus?", "+393491234522", sent_at=now - timedelta(minutes=20)),
        make_message(site, "Lampione spento", "+393481234511", sent_at=now - timedelta(minutes=10)),
    ]


# --- the list: checkboxes and Wagtail's bulk-action bar --------------------------------------------------------------


def test_the_list_has_a_checkbox_per_row_and_the_bulk_action_bar(client, moderator, queue):
    html = client.get(reverse(INBOX)).content.decode()
    for message in queue:
        assert f'name="id" value="{message.pk}" form="inbox-bulk-review" data-object-id="{message.pk}"' in html
    assert "data-bulk-action-select-all-checkbox" in html and "data-bulk-action-footer" in html
    assert f'action="{reverse(BULK_REVIEW)}"' in html and "wagtailadmin/js/bulk-actions.js" in html
    for action in ("report", "delete", "block"):
        assert reverse("wagtail_bulk_action", args=["wagtail_whatsapp", "inboundmessage", action]) in html


def test_mark_reviewed_acts_at_once_on_the_ticked_rows(client, moderator, queue):
    listing = reverse(INBOX) + "?flagged__exact=0"
    response = client.post(reverse(BULK_REVIEW), {"id": [queue[0].pk, queue[2].pk], "next": listing})
    assert response.status_code == 302 and response["Location"] == listing
    assert [state(message) for message in queue] == ["reviewed", "new", "reviewed"]
    assert ModelLogEntry.objects.filter(action="wagtail_whatsapp.message.review", user=moderator).count() == 2
    assert "2 messages marked as reviewed." in client.get(listing).content.decode()


def test_mark_reviewed_leaves_deleted_and_reported_messages_as_they_are(client, moderator, queue):
    InboundMessage.objects.filter(pk=queue[0].pk).update(state="deleted")
    InboundMessage.objects.filter(pk=queue[1].pk).update(state="reported")
    client.post(reverse(BULK_REVIEW), {"id": [message.pk for message in queue]})
    assert [state(message) for message in queue] == ["deleted", "reported", "reviewed"]


def test_a_selection_that_is_not_message_ids_is_refused_whole(client, moderator, queue):
    for ids in ([], ["abc"], [queue[0].pk, "1; DROP"], ["all"], list(range(1, 102))):
        response = client.post(reverse(BULK_REVIEW), {"id": ids})
        assert response.status_code == 400 and "Tick between 1 and 100 messages" in response.content.decode()
    everything = reverse("wagtail_bulk_action", args=["wagtail_whatsapp", "inboundmessage", "delete"]) + "?id=all"
    assert client.get(everything).status_code == 400
    assert [state(message) for message in queue] == ["new", "new", "new"]


def test_an_outside_next_address_is_not_followed(client, moderator, queue):
    response = client.post(reverse(BULK_REVIEW), {"id": [queue[0].pk], "next": "https://evil.example/"})
    assert response["Location"] == reverse(INBOX)


# --- bulk actions behind a confirmation page -------------------------------------------------------------------------


def test_bulk_delete_asks_first_and_says_the_evidence_is_lost(client, moderator, queue):
    page = client.get(bulk_url("delete", queue[:2]))
    html = page.content.decode()
    assert page.status_code == 200 and "nothing is left to report afterwards" in html
    assert "Buca in via Roma" in html and "Quando passa il bus?" in html and "Lampione" not in html
    assert [state(message) for message in queue] == ["new", "new", "new"]  # a GET changes nothing

    # A reason is required, as on the message page.
    refused = client.post(bulk_url("delete", queue[:2]), {"reason": ""})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert state(queue[0]) == "new"

    listing = reverse(INBOX) + "?state__exact=new"
    done = client.post(bulk_url("delete", queue[:2], next_url=listing), {"reason": "spam"})
    assert done.status_code == 302 and done["Location"] == listing
    for message in queue[:2]:
        message.refresh_from_db()
        assert message.state == "deleted" and message.text == "" and message.moderation_note == "spam"
    assert state(queue[2]) == "new"


def test_bulk_delete_lists_apart_what_is_already_deleted(client, moderator, queue):
    client.post(reverse("wagtail_whatsapp_admin:inbox_delete", args=[queue[0].pk]), {"reason": "doppio"})
    html = client.get(bulk_url("delete", queue[:2])).content.decode()
    assert "Already deleted:" in html and "This applies to 1 message:" in html


def test_bulk_report_marks_reported_and_offers_one_bundle_with_a_folder_each(client, moderator, queue, test_backend):
    confirm = client.get(bulk_url("report", queue[:2])).content.decode()
    assert "Reporting keeps the messages as evidence" in confirm
    page = client.post(bulk_url("report", queue[:2]), {"reason": "minacce"}, follow=True).content.decode()
    assert [state(message) for message in queue] == ["reported", "reported", "new"]
    assert "2 messages reported." in page
    evidence = reverse("wagtail_whatsapp_admin:inbox_evidence") + f"?id={queue[0].pk}&amp;id={queue[1].pk}"
    assert evidence in page
    bundle = zipfile.ZipFile(io.BytesIO(client.get(evidence.replace("&amp;", "&")).content))
    assert sorted(bundle.namelist()) == sorted(
        f"message-{message.pk}/evidence.{ext}" for message in queue[:2] for ext in ("json", "txt")
    )
    first = json.loads(bundle.read(f"message-{queue[0].pk}/evidence.json"))
    assert first["message"]["text"] == "Buca in via Roma" and first["reason"] == "minacce"
    assert first["reported_by"]["username"] == moderator.username


def test_evidence_is_only_for_reported_messages(client, moderator, queue):
    url = reverse("wagtail_whatsapp_admin:inbox_evidence")
    assert client.get(url, {"id": queue[0].pk}).status_code == 404
    assert client.get(url, {"id": "x"}).status_code == 400


def test_bulk_block_blocks_each_sender_once_and_takes_their_messages_out_of_the_queue(
    client, moderator, queue, test_backend
):
    confirm = client.get(bulk_url("block", queue)).content.decode()
    assert "A blocked sender receives nothing" in confirm
    page = client.post(bulk_url("block", queue), {"reason": "molestie"}, follow=True).content.decode()
    assert "2 senders blocked." in page
    blocked = Subscriber.objects.filter(status=Subscriber.Status.BLOCKED).values_list("phone_number", flat=True)
    assert sorted(blocked) == ["+393481234511", "+393491234522"]
    assert ConsentRecord.objects.filter(action=ConsentRecord.Action.BLOCK).count() == 2
    assert [state(message) for message in queue] == ["reviewed", "reviewed", "reviewed"]
    # Asked again, nothing is left to do: both senders are listed as already blocked.
    again = client.get(bulk_url("block", queue)).content.decode()
    assert "Sender already blocked:" in again and "Go back" in again


# --- permissions: the bulk endpoints answer 403 to anyone but a moderator ---------------------------------------------


@pytest.mark.parametrize("codenames", [(), ("view_reports",), ("manage_subscribers", "send_broadcast")])
def test_bulk_endpoints_refuse_users_without_the_moderation_permission(client, whatsapp_user, queue, codenames):
    client.force_login(whatsapp_user(*codenames))
    ids = {"id": [message.pk for message in queue]}
    assert client.post(reverse(BULK_REVIEW), ids).status_code == 403
    for action in ("delete", "report", "block"):
        assert client.get(bulk_url(action, queue)).status_code == 403
        assert client.post(bulk_url(action, queue), {"reason": "forged"}).status_code == 403
    InboundMessage.objects.filter(pk=queue[0].pk).update(state="reported")
    evidence = reverse("wagtail_whatsapp_admin:inbox_evidence")
    assert client.get(evidence, {"id": queue[0].pk}).status_code == 403
    assert [state(message) for message in queue] == ["reported", "new", "new"]
    assert not Subscriber.objects.filter(status=Subscriber.Status.BLOCKED).exists()


# --- the message page: the next message waiting after each action ----------------------------------------------------


def test_each_action_on_a_message_opens_the_next_waiting_oldest_first(client, moderator, queue, test_backend):
    newest, middle, oldest = queue[2], queue[1], queue[0]
    response = client.post(detail(middle) + "review/")
    assert response["Location"] == detail(oldest)
    response = client.post(detail(oldest) + "report/", {"reason": ""})
    assert response["Location"] == detail(newest)
    response = client.post(detail(newest) + "block/", {"reason": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(INBOX)
    assert "No message is waiting for review." in response.content.decode()


def test_delete_on_the_message_page_also_moves_on(client, moderator, queue):
    response = client.post(detail(queue[1]) + "delete/", {"reason": "offese"})
    assert response["Location"] == detail(queue[0])


def test_keyword_messages_are_not_in_the_queue(client, moderator, site, queue):
    make_message(
        site, "ISCRIVIMI", "+393331234533", keyword_action="subscribe", sent_at=timezone.now() - timedelta(hours=1)
    )
    assert InboundMessage.objects.next_to_review() == queue[0]


def test_the_message_page_says_how_many_wait(client, moderator, queue):
    assert "2 other messages are waiting" in client.get(detail(queue[0])).content.decode()


# --- the dashboard: what waits ---------------------------------------------------------------------------------------


def test_the_dashboard_counts_what_waits_for_the_moderators(client, moderator, site, queue):
    flagged = make_message(site, "Compra qui www.truffa.com", "+393331234533")
    flag_message(flagged)
    InboundMessage.objects.filter(pk=queue[1].pk).update(state="reported")
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert '<strong data-figure="to-review">3</strong>' in html
    assert '<strong data-figure="flagged">1</strong>' in html
    assert '<strong data-figure="reported">1</strong>' in html
    assert f'href="{reverse(INBOX)}?state__exact=new&amp;flagged__exact=1"' in html
    assert f'href="{detail(queue[0])}"' in html  # "Review the oldest message"


def test_the_dashboard_shows_no_inbox_figures_to_those_who_do_not_moderate(client, whatsapp_user, queue):
    client.force_login(whatsapp_user("view_reports"))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "data-whatsapp-panel" in html and "data-inbox" not in html


def test_a_subscriber_with_messages_blocked_from_the_list_keeps_their_row(client, moderator, site, test_backend):
    subscriber = make_subscriber(site, "+393481234511")
    message = make_message(site, "spam", subscriber=subscriber)
    client.post(bulk_url("block", [message]), {"reason": ""})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.BLOCKED and Subscriber.objects.count() == 1


def test_a_reported_message_is_not_reported_again_over_its_first_report(client, moderator, queue, whatsapp_user):
    first = whatsapp_user("moderate_inbox")
    client.force_login(first)
    client.post(reverse("wagtail_whatsapp_admin:inbox_report", args=[queue[0].pk]), {"reason": "minacce"})
    client.force_login(moderator)
    html = client.get(bulk_url("report", queue[:2])).content.decode()
    assert "Already reported, or deleted" in html and "This applies to 1 message:" in html
    client.post(bulk_url("report", queue[:2]), {"reason": "altro"})
    queue[0].refresh_from_db()
    assert queue[0].moderated_by == first and queue[0].moderation_note == "minacce"
    assert state(queue[1]) == "reported"
