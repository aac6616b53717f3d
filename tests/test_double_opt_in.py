"""Double opt-in (issue 17): with the site's setting on, ISCRIVIMI gets a question with a "SÌ" button, only the "SÌ"
subscribes, a request left unconfirmed for 24 hours goes without a trace, CANCELLAMI withdraws it, and the consent log
and the GDPR export show both steps. End to end through the signed webhook and the sandbox backend; the button
message's shape against the fake Graph API in tests/test_double_opt_in_cloud.py."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from wagtail.models import Page
from wagtail.users.models import UserProfile

from tests.signing import load_webhook
from tests.test_gdpr_erasure_traces import dump_everything
from wagtail_whatsapp import signals
from wagtail_whatsapp.inbound import confirmations
from wagtail_whatsapp.inbound import tasks as inbound_tasks
from wagtail_whatsapp.inbound.replies import CONFIRM_BUTTON
from wagtail_whatsapp.models import (
    ConsentRecord,
    InboundMessage,
    Reply,
    SandboxMessage,
    StatusUpdate,
    Subscriber,
    SubscriptionRequest,
    WhatsAppSettings,
)
from wagtail_whatsapp.sandbox.simulate import status_payload, text_message_payload
from wagtail_whatsapp.subscribers.blocking import block_subscriber
from wagtail_whatsapp.subscribers.gdpr import erase_number, export_number

pytestmark = pytest.mark.django_db

NUMBER_ID = "106540352242922"
CITIZEN = "+393481234511"  # the number of the button-reply fixtures
# The citizen, as every table could hold them: the number in any usual format, and inside Meta's wamids (base64).
TRACES = [CITIZEN, "393481234511", "348 123 4511", "3481234511", "MzkzNDgxMjM0NTEx"]


@pytest.fixture
def double_opt_in(webhook_site_settings):
    webhook_site_settings.double_opt_in = True
    webhook_site_settings.save()
    return webhook_site_settings


T0 = int(time.time()) - 3600  # an hour ago: the citizens' messages are inside the 24-hour window


def now_ts(offset=0):
    return T0 + offset


def write(webhook, text, *, at, number=CITIZEN, wamid=None):
    payload = text_message_payload(number, text, phone_number_id=NUMBER_ID, timestamp=at, wamid=wamid)
    assert webhook.post(payload).status_code == 200


def tap(webhook, fixture="webhook_incoming_interactive_button_reply", *, at, wamid=None, button_id=None, title=None):
    """The citizen taps a button: the reply as Meta sends it (tests/fixtures/webhooks/)."""
    payload = load_webhook(fixture)
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["timestamp"] = str(at)
    if wamid:
        message["id"] = wamid
    reply = message["interactive"]["button_reply"] if message["type"] == "interactive" else message["button"]
    if button_id is not None:
        reply["id" if message["type"] == "interactive" else "payload"] = button_id
    if title is not None:
        reply["title" if message["type"] == "interactive" else "text"] = title
    assert webhook.post(payload).status_code == 200


def outbox(number=CITIZEN):
    return list(SandboxMessage.objects.filter(direction="out", recipient=number).order_by("pk"))


# --- off by default ------------------------------------------------------------------------------------------------
def test_off_by_default_iscrivimi_subscribes_at_once(webhook, webhook_site_settings):
    assert WhatsAppSettings.for_site(webhook_site_settings.site).double_opt_in is False
    write(webhook, "ISCRIVIMI", at=now_ts())
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    assert [m.message_type for m in outbox()] == ["text"]  # the welcome, no question
    assert not SubscriptionRequest.objects.exists()


# --- asking ---------------------------------------------------------------------------------------------------------
def test_iscrivimi_asks_with_a_si_button_and_subscribes_nobody_yet(webhook, double_opt_in):
    write(webhook, "Buongiorno, vorrei iscrivermi", at=now_ts(), wamid="wamid.ask1")

    assert not Subscriber.objects.exists()
    [question] = outbox()
    assert question.message_type == "interactive"
    interactive = question.body["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"]["text"] == (
        "Rispondi SÌ per confermare l'iscrizione al servizio WhatsApp di Esempio Informa.\n"
        "Se non vuoi iscriverti, ignora questo messaggio: la richiesta sarà cancellata tra 24 ore."
    )
    assert interactive["action"]["buttons"] == [{"type": "reply", "reply": {"id": CONFIRM_BUTTON.id, "title": "SÌ"}}]
    assert Reply.objects.get().kind == Reply.Kind.CONFIRMATION
    # The request names the citizen by keyed hashes only.
    request = SubscriptionRequest.objects.get()
    assert request.number_hash and CITIZEN.lstrip("+") not in request.number_hash
    assert list(request.messages.values_list("wamid", flat=True)) == ["wamid.ask1"]
    record = ConsentRecord.objects.get()
    assert (record.action, record.message_text, record.phone_number) == (
        "request",
        "Buongiorno, vorrei iscrivermi",
        CITIZEN,
    )
    assert record.get_action_display() == "Asked to subscribe"
    # A keyword: not for the moderators' inbox.
    assert not InboundMessage.objects.for_moderation().exists()


def test_the_question_text_is_the_towns(webhook, double_opt_in):
    double_opt_in.confirmation_message = "Confermi l'iscrizione a {service_name}? Tocca SÌ."
    double_opt_in.save()
    write(webhook, "ISCRIVIMI", at=now_ts())
    assert outbox()[0].text == "Confermi l'iscrizione a Esempio Informa? Tocca SÌ."


def test_a_second_iscrivimi_asks_again_without_making_the_request_live_longer(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts(), wamid="wamid.ask1")
    write(webhook, "ISCRIVIMI", at=now_ts(600), wamid="wamid.ask2")
    request = SubscriptionRequest.objects.get()
    assert request.asked_at.timestamp() == now_ts()
    assert [m.message_type for m in outbox()] == ["interactive", "interactive"]
    assert request.messages.count() == 2


def test_an_active_subscriber_is_not_asked(webhook, double_opt_in):
    double_opt_in.double_opt_in = False
    double_opt_in.save()
    write(webhook, "ISCRIVIMI", at=now_ts())
    double_opt_in.double_opt_in = True
    double_opt_in.save()
    write(webhook, "ISCRIVIMI", at=now_ts(60))
    assert not SubscriptionRequest.objects.exists()
    assert "Sei già iscritto" in outbox()[-1].text


# --- confirming -----------------------------------------------------------------------------------------------------
def test_the_si_button_subscribes_as_iscrivimi_does(webhook, double_opt_in):
    home = double_opt_in.site.root_page
    policy = home.add_child(instance=Page(title="Regole", slug="regole"))
    privacy = home.add_child(instance=Page(title="Privacy", slug="privacy"))
    policy.save_revision().publish()
    privacy.save_revision().publish()
    double_opt_in.policy_page, double_opt_in.privacy_page = policy, privacy
    double_opt_in.save()

    write(webhook, "ISCRIVIMI", at=now_ts(), wamid="wamid.ask1")
    tap(webhook, at=now_ts(120), wamid="wamid.yes1")

    subscriber = Subscriber.objects.get()
    assert (subscriber.phone_number, subscriber.status, subscriber.source) == (CITIZEN, "active", "whatsapp")
    assert subscriber.subscribed_at.timestamp() == now_ts(120)
    welcome = outbox()[-1]
    assert welcome.message_type == "text"
    assert "Benvenuto" in welcome.text and "/regole/" in welcome.text and "/privacy/" in welcome.text
    # Both steps in the consent log, each with its own message and the texts live at that moment.
    request_record, subscribe_record = ConsentRecord.objects.order_by("created_at")
    assert (request_record.action, request_record.message_wamid) == ("request", "wamid.ask1")
    assert (subscribe_record.action, subscribe_record.message_wamid, subscribe_record.message_text) == (
        "subscribe",
        "wamid.yes1",
        "SÌ",
    )
    assert "double opt-in" in subscribe_record.note
    assert subscribe_record.policy_revision_id == Page.objects.get(pk=policy.pk).live_revision_id is not None
    assert subscribe_record.subscriber == subscriber
    # The request is done; its messages are the subscriber's; the "SÌ" is not for the moderators.
    assert not SubscriptionRequest.objects.exists()
    assert set(InboundMessage.objects.values_list("subscriber", flat=True)) == {subscriber.pk}
    assert not InboundMessage.objects.for_moderation().exists()


def test_the_si_never_reaches_the_inbox_not_even_before_its_task_runs(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts())
    HUEY.immediate = False  # the consumer is down: the "SÌ" is stored, its task waits
    try:
        tap(webhook, at=now_ts(60), wamid="wamid.yes")
        waiting = HUEY.pending()
    finally:
        HUEY.immediate = True
    assert InboundMessage.objects.get(wamid="wamid.yes").keyword_action == "subscribe"
    assert not InboundMessage.objects.for_moderation().exists()
    assert not Subscriber.objects.exists()
    for task in waiting:  # the consumer is back
        HUEY.execute(task)
    assert Subscriber.objects.get().status == "active"


def test_a_template_quick_reply_confirms_too(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts())
    tap(webhook, "webhook_incoming_button_quick_reply", at=now_ts(60))
    assert Subscriber.objects.get().status == "active"


@pytest.mark.parametrize("answer", ["SI", "Sì", "si", "sì!", "  SÌ  ", "Si, confermo"])
def test_a_typed_si_confirms(webhook, double_opt_in, answer):
    write(webhook, "ISCRIVIMI", at=now_ts())
    write(webhook, answer, at=now_ts(60))
    assert Subscriber.objects.get().status == "active"


@pytest.mark.parametrize("answer", ["no", "sicuro?", "si ma cosa ricevo?", "forse", "ok"])
def test_anything_else_confirms_nothing_and_reaches_the_inbox(webhook, double_opt_in, answer):
    write(webhook, "ISCRIVIMI", at=now_ts())
    write(webhook, answer, at=now_ts(60), wamid="wamid.other")
    assert not Subscriber.objects.exists()
    assert SubscriptionRequest.objects.exists()
    assert list(InboundMessage.objects.for_moderation().values_list("wamid", flat=True)) == ["wamid.other"]


def test_another_button_titled_si_is_not_this_questions(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts())
    tap(webhook, at=now_ts(60), button_id="topics:si", title="Sì")
    assert not Subscriber.objects.exists()


def test_si_without_a_question_is_an_ordinary_message(webhook, double_opt_in):
    write(webhook, "Sì", at=now_ts(), wamid="wamid.si")
    assert not Subscriber.objects.exists()
    assert InboundMessage.objects.for_moderation().get().wamid == "wamid.si"


def test_the_si_confirms_even_when_the_town_turned_the_double_opt_in_off_meanwhile(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts())
    double_opt_in.double_opt_in = False
    double_opt_in.save()
    tap(webhook, at=now_ts(60))
    assert Subscriber.objects.get().status == "active"


def test_a_si_handled_twice_subscribes_once(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts())
    tap(webhook, at=now_ts(60), wamid="wamid.yes")
    message = InboundMessage.objects.get(wamid="wamid.yes")
    InboundMessage.objects.filter(pk=message.pk).update(processed_at=None, handled_at=None)
    from wagtail_whatsapp.inbound.keyword_dispatch import process_pending_messages

    process_pending_messages([message.pk])
    assert ConsentRecord.objects.filter(action="subscribe").count() == 1
    assert Reply.objects.filter(kind=Reply.Kind.WELCOME).count() == 1


def test_a_citizen_known_only_by_a_user_id_confirms(webhook, double_opt_in):
    """Meta may withhold the number (usernames): the request is kept under the user id's keyed hash."""
    user_id = "IT.4491208655302741918"
    for n, (text, at) in enumerate([("ISCRIVIMI", now_ts()), ("Sì", now_ts(60))]):
        payload = load_webhook("webhook_incoming_text_user_id_only")
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        message.update(id=f"wamid.user{n}", timestamp=str(at), text={"body": text})
        assert webhook.post(payload).status_code == 200
        if n == 0:
            request = SubscriptionRequest.objects.get()
            assert (request.number_hash, bool(request.user_id_hash)) == ("", True)
            assert user_id not in request.user_id_hash
    subscriber = Subscriber.objects.get()
    assert (subscriber.wa_user_id, subscriber.phone_number, subscriber.status) == (user_id, "", "active")


def test_a_former_subscriber_is_asked_again_and_reactivated_by_the_si(webhook, double_opt_in):
    double_opt_in.double_opt_in = False
    double_opt_in.save()
    write(webhook, "ISCRIVIMI", at=now_ts(-60))
    write(webhook, "CANCELLAMI", at=now_ts(-30))
    double_opt_in.double_opt_in = True
    double_opt_in.save()
    heard = []
    signals.subscribed.connect(lambda **kwargs: heard.append(kwargs["reactivated"]), weak=False, dispatch_uid="t17b")
    try:
        write(webhook, "ISCRIVIMI", at=now_ts())
        assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
        assert ConsentRecord.objects.filter(action="request").get().subscriber == Subscriber.objects.get()
        tap(webhook, at=now_ts(60))
    finally:
        signals.subscribed.disconnect(dispatch_uid="t17b")
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    assert heard == [True]


def test_a_number_blocked_while_waiting_is_not_subscribed_by_its_si(webhook, double_opt_in):
    double_opt_in.double_opt_in = False
    double_opt_in.save()
    write(webhook, "ISCRIVIMI", at=now_ts(-60))
    write(webhook, "CANCELLAMI", at=now_ts(-30))
    double_opt_in.double_opt_in = True
    double_opt_in.save()
    write(webhook, "ISCRIVIMI", at=now_ts())
    block_subscriber(Subscriber.objects.get(), reason="molestie")
    tap(webhook, at=now_ts(60))
    assert Subscriber.objects.get().status == Subscriber.Status.BLOCKED
    assert not SubscriptionRequest.objects.exists()
    assert sum("Benvenuto" in m.text for m in outbox()) == 1  # the first subscription's only: no answer now
    assert "blocked" in ConsentRecord.objects.get(action="request").note


# --- expiry and withdrawal: nothing left ----------------------------------------------------------------------------
def test_a_si_after_24_hours_subscribes_nobody(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts(-86400))
    tap(webhook, at=now_ts(1))
    assert not Subscriber.objects.exists()


def test_an_unconfirmed_request_expires_and_leaves_no_personal_data(webhook, double_opt_in):
    write(webhook, "Vorrei iscrivermi, sono Giulia Bianchi", at=now_ts(), wamid="wamid.HBgMMzkzNDgxMjM0NTEx.ask")
    question = Reply.objects.get()
    assert StatusUpdate.objects.filter(recipient_id="393481234511").exists()  # the sandbox fed the question's statuses
    before = dump_everything()
    assert CITIZEN in before and "Giulia Bianchi" in before

    asked_at = SubscriptionRequest.objects.get().asked_at
    assert confirmations.expire_requests(now=asked_at + timedelta(hours=23, minutes=59)) == 0  # not yet
    inbound_tasks.expire_subscription_requests.call_local()  # the periodic task, within the 24 hours: nothing
    assert SubscriptionRequest.objects.exists()
    assert confirmations.expire_requests(now=asked_at + timedelta(hours=24)) == 1

    # Meta repeats a status of the question after the expiry: it must not bring the number back.
    status = {
        "id": question.wamid,
        "status": "read",
        "recipient_id": "393481234511",
        "biz_opaque_callback_data": question.callback_data,
    }
    assert webhook.post(status_payload(NUMBER_ID, [status])).status_code == 200

    after = dump_everything()
    for trace in [*TRACES, "Giulia Bianchi", question.wamid]:
        assert trace not in after, trace
    assert not SubscriptionRequest.objects.exists() and not InboundMessage.objects.exists()
    # The consent log keeps the line, without the citizen: when, and why it holds nothing more.
    record = ConsentRecord.objects.get()
    assert (record.action, record.phone_number, record.message_wamid, record.message_text) == ("request", "", "", "")
    assert "not confirmed within 24 hours" in record.note
    # A late "SÌ" finds nothing to confirm.
    tap(webhook, at=now_ts(90000))
    assert not Subscriber.objects.exists()


def test_expiry_runs_in_the_periodic_task(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts())
    SubscriptionRequest.objects.update(asked_at=timezone.now() - timedelta(hours=24, minutes=1))
    inbound_tasks.expire_subscription_requests.call_local()
    assert not SubscriptionRequest.objects.exists()
    assert CITIZEN not in dump_everything()


def test_cancellami_while_waiting_withdraws_the_request(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts(), wamid="wamid.ask")
    write(webhook, "CANCELLAMI", at=now_ts(60), wamid="wamid.stop")
    assert not SubscriptionRequest.objects.exists()
    assert not InboundMessage.objects.filter(wamid="wamid.ask").exists()
    assert "Non risultavi iscritto" in outbox()[-1].text
    tap(webhook, at=now_ts(120))  # the question's button, tapped later
    assert not Subscriber.objects.exists()
    record = ConsentRecord.objects.get(action="request")
    assert record.phone_number == "" and "withdrawn" in record.note


# --- GDPR -----------------------------------------------------------------------------------------------------------
def test_the_export_shows_both_steps_and_a_pending_request(webhook, double_opt_in):
    site = double_opt_in.site
    write(webhook, "ISCRIVIMI", at=now_ts(), wamid="wamid.ask")
    pending = export_number(site, CITIZEN)["subscription_requests"]
    assert len(pending) == 1 and pending[0]["asked_at"] < pending[0]["expires_at"]

    tap(webhook, at=now_ts(60), wamid="wamid.yes")
    data = export_number(site, CITIZEN)
    assert data["subscription_requests"] == []
    assert [(r["action"], r["whatsapp_message_id"]) for r in data["consent_log"]] == [
        ("request", "wamid.ask"),
        ("subscribe", "wamid.yes"),
    ]


def test_erasure_removes_a_pending_request(webhook, double_opt_in):
    write(webhook, "ISCRIVIMI", at=now_ts())
    erase_number(double_opt_in.site, CITIZEN)
    assert not SubscriptionRequest.objects.exists()
    for trace in TRACES:
        assert trace not in dump_everything(), trace


# --- settings -------------------------------------------------------------------------------------------------------
def test_the_setting_and_the_question_are_on_the_settings_page(admin_client, admin_user, double_opt_in):
    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "it"
    profile.save()
    url = reverse("wagtailsettings:edit", args=["wagtail_whatsapp", "whatsappsettings", double_opt_in.site.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="double_opt_in"' in page and 'name="confirmation_message"' in page
    assert "Le richieste non confermate entro 24 ore vengono cancellate" in page


# --- the sandbox chat -----------------------------------------------------------------------------------------------
def test_the_sandbox_chat_shows_the_button_and_a_typed_si_confirms_too(admin_client, double_opt_in):
    chat = reverse("wagtail_whatsapp_admin:sandbox_chat")
    form = {"number": "348 123 4511", "text": "ISCRIVIMI", "site": double_opt_in.site.pk}
    page = admin_client.get(admin_client.post(chat, form)["Location"]).content.decode()
    assert "Rispondi SÌ per confermare" in page
    assert f'name="button" value="{CONFIRM_BUTTON.id}"' in page
    assert not Subscriber.objects.exists()
    admin_client.post(chat, {**form, "text": "Sì"})
    assert Subscriber.objects.get(phone_number=CITIZEN).status == "active"


def test_tapping_the_button_in_the_sandbox_chat_sends_metas_button_reply(admin_client, double_opt_in):
    chat = reverse("wagtail_whatsapp_admin:sandbox_chat")
    admin_client.post(chat, {"number": CITIZEN, "text": "ISCRIVIMI", "site": double_opt_in.site.pk})
    question = SandboxMessage.objects.get(direction="out", message_type="interactive")
    response = admin_client.post(chat, {"tap": question.pk, "button": CONFIRM_BUTTON.id})
    assert response.status_code == 302
    tapped = InboundMessage.objects.get(message_type="interactive")
    assert tapped.payload["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": CONFIRM_BUTTON.id, "title": "SÌ"},
    }
    assert tapped.payload["context"] == {"id": question.wamid}
    assert Subscriber.objects.get().status == "active"
    page = admin_client.get(response["Location"]).content.decode()
    assert page.index("Rispondi SÌ") < page.index("Benvenuto")


@pytest.mark.parametrize("tap, button", [("999999", CONFIRM_BUTTON.id), ("x", "y"), ("", ""), (None, "other")])
def test_a_tap_on_a_button_that_is_not_there_is_a_clear_error(admin_client, double_opt_in, tap, button):
    chat = reverse("wagtail_whatsapp_admin:sandbox_chat")
    admin_client.post(chat, {"number": CITIZEN, "text": "ISCRIVIMI", "site": double_opt_in.site.pk})
    question = SandboxMessage.objects.get(direction="out", message_type="interactive")
    response = admin_client.post(chat, {"tap": question.pk if tap is None else tap, "button": button}, follow=True)
    assert response.status_code == 200
    assert "This button is no longer in the conversation." in response.content.decode()
    assert not Subscriber.objects.exists()
