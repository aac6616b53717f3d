"""Publishing with "Send via WhatsApp when published" ticked queues one broadcast per revision."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from tests.broadcast_admin import approved_template, make_news_page, make_subscribers
from wagtail_whatsapp.models import Broadcast

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(site, broadcast_engine):
    make_subscribers(site, outside_window=3, inside_window=2)
    return approved_template(site)


def edit_form(page, **changes):
    data = {
        "title": page.title,
        "slug": page.slug,
        "date": page.date.isoformat(),
        "intro": page.intro,
        "body": rich_text(page.body or ""),
        "whatsapp_send_on_publish": True,
        "whatsapp_message_override": "",
        "comments": inline_formset([]),
        **changes,
    }
    if not data["whatsapp_send_on_publish"]:
        del data["whatsapp_send_on_publish"]  # an unticked checkbox is absent from the POST
    return nested_form_data(data)


def publish_in_editor(client, page, **changes):
    data = edit_form(page, **changes)
    data["action-publish"] = "action-publish"
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data, follow=True)
    assert response.status_code == 200
    page.refresh_from_db()
    return response


def test_publishing_with_the_tick_sends_once(client, sender, news_page, ready):
    client.force_login(sender)
    response = publish_in_editor(client, news_page)
    broadcast = Broadcast.objects.get()
    assert broadcast.page_id == news_page.pk
    assert broadcast.revision_id == news_page.live_revision_id
    assert broadcast.created_by == sender
    assert "being sent via WhatsApp to 5 subscribers" in response.content.decode()
    # The page's history says who sent it and to how many.
    entry = PageLogEntry.objects.get(page=news_page, action="wagtail_whatsapp.broadcast")
    assert entry.user == sender
    history = client.get(reverse("wagtailadmin_pages:history", args=[news_page.pk])).content.decode()
    assert "Sent via WhatsApp to 5 subscribers" in history


def test_publishing_without_the_tick_sends_nothing(client, sender, news_page, ready):
    client.force_login(sender)
    publish_in_editor(client, news_page, whatsapp_send_on_publish=False)
    assert news_page.live
    assert not Broadcast.objects.exists()


def test_republishing_the_same_revision_does_not_send_again(client, sender, news_page, ready):
    client.force_login(sender)
    publish_in_editor(client, news_page)
    revision = news_page.live_revision
    revision.publish(user=sender)  # e.g. publishing the same revision again from the history
    revision.publish(user=sender)
    assert Broadcast.objects.count() == 1


def test_a_new_revision_with_the_tick_sends_again(client, sender, news_page, ready):
    client.force_login(sender)
    publish_in_editor(client, news_page)
    publish_in_editor(client, news_page, intro="Lavori rinviati a martedì.")
    first, second = Broadcast.objects.order_by("pk")
    assert first.revision_id != second.revision_id
    assert second.revision_id == news_page.live_revision_id


def edit_view_tick(client, page):
    """Whether the editor opens with "Send via WhatsApp when published" ticked, and the panel's help text."""
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    checkbox = re.search(r'<input[^>]*name="whatsapp_send_on_publish"[^>]*>', html).group(0)
    return "checked" in checkbox, html


def test_after_sending_the_editor_opens_with_the_tick_cleared(client, sender, news_page, ready):
    client.force_login(sender)
    publish_in_editor(client, news_page)
    ticked, html = edit_view_tick(client, news_page)
    assert not ticked
    assert "Unticked because this page was already sent via WhatsApp" in html
    # A typo corrected and published as the form comes: nobody receives the page again.
    publish_in_editor(client, news_page, intro="Lavori in corso (corretto).", whatsapp_send_on_publish=False)
    assert Broadcast.objects.count() == 1


def test_a_ticked_draft_not_yet_sent_stays_ticked(client, sender, news_page, ready):
    client.force_login(sender)
    data = edit_form(news_page)  # ticked, saved as a draft: the tick waits for the publication
    assert client.post(reverse("wagtailadmin_pages:edit", args=[news_page.pk]), data).status_code == 302
    ticked, html = edit_view_tick(client, news_page)
    assert ticked and "Unticked because" not in html


def test_scheduled_publishing_sends_too(sender, site, ready):
    page = make_news_page(site, title="Programmata", live=False, whatsapp_send_on_publish=True)
    page.go_live_at = timezone.now() - timezone.timedelta(minutes=1)
    revision = page.save_revision(user=sender, approved_go_live_at=page.go_live_at)
    call_command("publish_scheduled")
    broadcast = Broadcast.objects.get()
    assert broadcast.revision_id == revision.pk
    assert broadcast.created_by == sender  # whoever scheduled it


def test_a_refused_broadcast_is_told_and_logged_but_the_page_is_published(client, sender, news_page, broadcast_engine):
    client.force_login(sender)
    # No subscriber and no template: the engine refuses.
    response = publish_in_editor(client, news_page)
    assert news_page.live
    assert not Broadcast.objects.exists()
    assert "was NOT sent via WhatsApp" in response.content.decode()
    entry = PageLogEntry.objects.get(page=news_page, action="wagtail_whatsapp.broadcast_refused")
    assert entry.data["reason"]
    history = client.get(reverse("wagtailadmin_pages:history", args=[news_page.pk])).content.decode()
    assert "WhatsApp broadcast not sent" in history


def test_a_copy_starts_unticked_and_publishing_the_copy_sends_nothing(client, sender, news_page, ready):
    client.force_login(sender)
    publish_in_editor(client, news_page)
    assert Broadcast.objects.count() == 1
    response = client.post(
        reverse("wagtailadmin_pages:copy", args=[news_page.pk]),
        {
            "new_title": "Copia",
            "new_slug": "copia",
            "new_parent_page": news_page.get_parent().pk,
            "copy_subpages": False,
            "publish_copies": True,
        },
    )
    assert response.status_code == 302
    copy = type(news_page).objects.get(slug="copia")
    assert copy.live
    assert not copy.whatsapp_send_on_publish
    assert Broadcast.objects.count() == 1


def test_an_alias_does_not_send(sender, news_page, ready):
    news_page.whatsapp_send_on_publish = True
    news_page.save_revision(user=sender).publish(user=sender)
    assert Broadcast.objects.count() == 1
    alias = news_page.create_alias(update_slug="alias-copia")
    news_page.save_revision(user=sender).publish(user=sender)  # updates the alias too (page_published, alias=True)
    assert Broadcast.objects.filter(page=alias).count() == 0
    assert Broadcast.objects.count() == 2


def test_end_to_end_publish_sends_to_every_subscriber_and_the_report_follows(
    client, sender, news_page, ready, django_capture_on_commit_callbacks
):
    """Through the queue (Huey runs tasks inline in tests) to the sandbox's outbox, then the report."""
    from wagtail_whatsapp.models import SandboxMessage

    client.force_login(sender)
    with django_capture_on_commit_callbacks(execute=True):
        publish_in_editor(client, news_page)
    broadcast = Broadcast.objects.get()
    outbox = SandboxMessage.objects.filter(direction="out")
    assert sorted(outbox.values_list("message_type", flat=True)) == ["template"] * 3 + ["text"] * 2
    assert outbox.values("recipient").distinct().count() == 5

    progress = client.get(reverse("wagtail_whatsapp_admin:broadcast_progress", args=[broadcast.pk])).json()
    assert progress["status"] == "done" and progress["active"] is False
    assert (progress["recipients"], progress["sent"], progress["pending"], progress["percent"]) == (5, 5, 0, 100)


def test_an_editor_who_may_not_send_neither_sees_nor_uses_the_tick(client, plain_editor, news_page, ready):
    client.force_login(plain_editor)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[news_page.pk])).content.decode()
    assert 'name="whatsapp_send_on_publish"' not in html
    publish_in_editor(client, news_page)  # the form data still carries the tick: it is ignored
    assert news_page.live and not Broadcast.objects.exists()


def test_a_tick_carried_over_does_not_send_for_an_editor_who_may_not_send(
    client, sender, plain_editor, news_page, ready
):
    client.force_login(sender)
    data = edit_form(news_page)  # the sender ticks the box in a draft...
    assert client.post(reverse("wagtailadmin_pages:edit", args=[news_page.pk]), data).status_code == 302
    client.force_login(plain_editor)  # ...and an editor without the permission publishes a later version
    response = publish_in_editor(client, news_page, intro="Corretto.")
    assert news_page.live and not Broadcast.objects.exists()
    assert "may not send pages via WhatsApp" in response.content.decode()
    entry = PageLogEntry.objects.get(page=news_page, action="wagtail_whatsapp.broadcast_refused")
    assert "editor may not send pages via WhatsApp" in entry.data["reason"]


def test_a_second_persons_approval_through_a_wagtail_workflow_sends_on_approval(
    client, django_user_model, site, news_page, ready
):
    """The service's "second person's approval": an editor ticks and submits; a moderator approves and publishes."""
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    from tests.broadcast_admin import make_user

    writer = make_user(django_user_model, site, "writer", ["send_broadcast"])
    approver = make_user(django_user_model, site, "approver")
    moderators = Group.objects.create(name="Approvers")
    approver.groups.add(moderators)
    task = GroupApprovalTask.objects.create(name="Approvazione")
    task.groups.set([moderators])
    workflow = Workflow.objects.create(name="Due persone")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=1)
    WorkflowPage.objects.create(workflow=workflow, page=site.root_page)

    client.force_login(writer)
    data = edit_form(news_page, intro="Lavori rinviati.")
    data["action-submit"] = "action-submit"
    assert client.post(reverse("wagtailadmin_pages:edit", args=[news_page.pk]), data).status_code == 302
    assert not Broadcast.objects.exists()  # submitted, not yet approved: nothing goes out

    client.force_login(approver)
    task_state = news_page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[news_page.pk, "approve", task_state.pk])
    assert client.post(url, {"comment": ""}).status_code in (200, 302)
    news_page.refresh_from_db()
    broadcast = Broadcast.objects.get()
    assert broadcast.revision_id == news_page.live_revision_id
    assert broadcast.created_by == writer  # who asked for it; the approval is in the page's history
