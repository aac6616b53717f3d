"""The send box through a real Wagtail moderation workflow: what the approver sees is what the approval does.

The rule (outbound/publishing.py): an approval publishes the ticked version and sends it when its author or the
approver may send via WhatsApp; otherwise the page is published, not sent, and the approver is told why."""

import logging
import re

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse
from wagtail.models import GroupApprovalTask, PageLogEntry, Workflow, WorkflowPage, WorkflowTask

from tests.broadcast_admin import approved_template, make_subscribers, make_user
from tests.test_broadcast_admin_publish import edit_form
from wagtail_whatsapp.models import Broadcast

pytestmark = pytest.mark.django_db

BOX = re.compile(r'<input[^>]*name="whatsapp_send_on_publish"[^>]*>')


@pytest.fixture
def ready(site):
    make_subscribers(site, outside_window=3, inside_window=2)
    return approved_template(site)


def moderation_workflow(site, approver):
    moderators = Group.objects.create(name="Approvers")
    approver.groups.add(moderators)
    task = GroupApprovalTask.objects.create(name="Approvazione")
    task.groups.set([moderators])
    workflow = Workflow.objects.create(name="Due persone")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=1)
    WorkflowPage.objects.create(workflow=workflow, page=site.root_page)


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def submit_with_a_carried_over_tick(client, django_user_model, site, page, writer):
    """Someone who may send ticks the box in a draft; ``writer`` edits that draft and submits it for moderation."""
    boss = make_user(django_user_model, site, "boss", ["send_broadcast"])
    client.force_login(boss)
    assert client.post(edit_url(page), edit_form(page)).status_code == 302
    client.force_login(writer)
    data = edit_form(page, intro="Lavori rinviati.")
    data["action-submit"] = "action-submit"
    assert client.post(edit_url(page), data).status_code == 302
    assert not Broadcast.objects.exists()


def approve_in_dialog(client, page):
    task_state = page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    response = client.post(url, {"comment": ""})
    assert response.status_code in (200, 302)
    page.refresh_from_db()


def approve_in_editor(client, page):
    data = edit_form(page, intro="Lavori rinviati.")
    data["action-workflow-action"] = "1"
    data["workflow-action-name"] = "approve"
    response = client.post(edit_url(page), data, follow=True)
    assert response.status_code == 200
    page.refresh_from_db()
    return " ".join(str(message) for message in response.context["messages"])


def test_the_ticked_box_an_approver_who_may_send_sees_sends_on_approval(
    client, django_user_model, site, news_page, ready
):
    writer = make_user(django_user_model, site, "writer")  # may not send
    approver = make_user(django_user_model, site, "approver", ["send_broadcast"])
    moderation_workflow(site, approver)
    submit_with_a_carried_over_tick(client, django_user_model, site, news_page, writer)

    client.force_login(approver)
    html = client.get(edit_url(news_page)).content.decode()
    assert "checked" in BOX.search(html).group(0)
    assert "if the box is ticked when it is approved, it is published and sent via WhatsApp" in html

    approve_in_dialog(client, news_page)
    broadcast = Broadcast.objects.get()
    assert news_page.live and broadcast.revision_id == news_page.live_revision_id
    assert broadcast.created_by == approver  # sent on the approver's authority


def test_an_approval_that_cannot_send_tells_the_approver_why(client, django_user_model, site, news_page, ready):
    writer = make_user(django_user_model, site, "writer")
    approver = make_user(django_user_model, site, "approver")  # neither may send
    moderation_workflow(site, approver)
    submit_with_a_carried_over_tick(client, django_user_model, site, news_page, writer)

    client.force_login(approver)
    messages = approve_in_editor(client, news_page)
    assert news_page.live and not Broadcast.objects.exists()
    assert (
        "published but was NOT sent via WhatsApp: Neither writer, who asked for it, nor approver, who approved it, "
        "may send pages via WhatsApp." in messages
    )
    entry = PageLogEntry.objects.get(page=news_page, action="wagtail_whatsapp.broadcast_refused")
    assert entry.revision_id == news_page.live_revision_id

    # Whoever may send opens the page afterwards: the box says the version online was not sent, and why.
    client.force_login(django_user_model.objects.get(username="boss"))
    html = client.get(edit_url(news_page)).content.decode()
    assert "The version online was published but NOT sent via WhatsApp" in html


def test_in_the_approval_dialog_neither_may_send_names_both(client, django_user_model, site, news_page, ready):
    writer = make_user(django_user_model, site, "writer")
    approver = make_user(django_user_model, site, "approver")
    moderation_workflow(site, approver)
    submit_with_a_carried_over_tick(client, django_user_model, site, news_page, writer)
    client.force_login(approver)
    approve_in_dialog(client, news_page)
    assert news_page.live and not Broadcast.objects.exists()
    entry = PageLogEntry.objects.get(page=news_page, action="wagtail_whatsapp.broadcast_refused")
    assert entry.data["reason"] == (
        "Neither writer, who asked for it, nor approver, who approved it, may send pages via WhatsApp."
    )


def test_an_approver_without_the_permission_approving_in_the_editor_sends_what_the_writer_asked(
    client, django_user_model, site, news_page, ready
):
    """Approving from the page editor saves a version by the approver: the writer's request still stands."""
    writer = make_user(django_user_model, site, "writer", ["send_broadcast"])
    approver = make_user(django_user_model, site, "approver")
    moderation_workflow(site, approver)
    client.force_login(writer)
    data = edit_form(news_page, intro="Lavori rinviati.")
    data["action-submit"] = "action-submit"
    assert client.post(edit_url(news_page), data).status_code == 302
    client.force_login(approver)
    messages = approve_in_editor(client, news_page)
    broadcast = Broadcast.objects.get()
    assert broadcast.created_by == writer and broadcast.revision_id == news_page.live_revision_id
    assert "being sent via WhatsApp to 5 subscribers" in messages


def test_approving_in_the_example_site_logs_no_mail_traceback(
    client, django_user_model, site, news_page, ready, caplog, capsys
):
    """Wagtail e-mails the submitter on approval; the example site must not fail to (issue 16: SMTP to nowhere)."""
    import esempio.settings as example

    writer = make_user(django_user_model, site, "writer", ["send_broadcast"])
    approver = make_user(django_user_model, site, "approver")
    moderation_workflow(site, approver)
    backend = getattr(example, "EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    with override_settings(EMAIL_BACKEND=backend), caplog.at_level(logging.WARNING, logger="wagtail"):
        client.force_login(writer)
        data = edit_form(news_page, intro="Lavori rinviati.")
        data["action-submit"] = "action-submit"
        assert client.post(edit_url(news_page), data).status_code == 302
        client.force_login(approver)
        approve_in_dialog(client, news_page)
    assert news_page.live
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
    out = capsys.readouterr().out
    assert "writer@example.com" in out  # the notification, written to the console in development
