"""The sandbox chat page and the simulate command: playing the citizen through the real webhook (issue 3, 4)."""

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from wagtail.models import Page

from wagtail_whatsapp.models import ConsentRecord, InboundMessage, SandboxMessage, Subscriber

CHAT_URL = "/admin/whatsapp/sandbox/"
CLOUD = {
    "BACKEND": "cloud",
    "ACCESS_TOKEN": "t",
    "APP_SECRET": "test-app-secret",
    "VERIFY_TOKEN": "v",
    "PHONE_NUMBER_ID": "106540352242922",
}


@pytest.fixture
def policy_pages(webhook_site_settings):
    home = webhook_site_settings.site.root_page
    policy = home.add_child(instance=Page(title="Regole", slug="regole"))
    privacy = home.add_child(instance=Page(title="Privacy", slug="privacy"))
    webhook_site_settings.policy_page, webhook_site_settings.privacy_page = policy, privacy
    webhook_site_settings.save()
    return policy, privacy


# --- the management command ---------------------------------------------------------------------------------------
def test_simulate_iscrivimi_then_cancellami(policy_pages, capsys):
    call_command("whatsapp_simulate_inbound", "+393331234567", "ISCRIVIMI")
    subscriber = Subscriber.objects.get()
    assert (subscriber.phone_number, subscriber.status) == ("+393331234567", "active")
    assert ConsentRecord.objects.get().action == "subscribe"
    welcome = SandboxMessage.objects.get(direction="out")
    assert "http://testserver/regole/" in welcome.text and "http://testserver/privacy/" in welcome.text
    output = capsys.readouterr().out
    assert "http://testserver/regole/" in output  # the developer sees the answer at once

    call_command("whatsapp_simulate_inbound", "+393331234567", "CANCELLAMI")
    assert Subscriber.objects.get().status == "unsubscribed"
    assert list(ConsentRecord.objects.order_by("pk").values_list("action", flat=True)) == ["subscribe", "unsubscribe"]
    goodbye = SandboxMessage.objects.filter(direction="out").order_by("pk").last()
    assert "cancellato" in goodbye.text


def test_simulate_goes_through_the_signature_check(webhook_site_settings):
    with (
        override_settings(WAGTAIL_WHATSAPP={**CLOUD, "BACKEND": "sandbox", "APP_SECRET": ""}),
        pytest.raises(CommandError, match="403"),
    ):
        call_command("whatsapp_simulate_inbound", "+393331234567", "ISCRIVIMI")
    assert not InboundMessage.objects.exists() and not SandboxMessage.objects.exists()


def test_simulate_for_another_site(webhook_site_settings):
    with pytest.raises(CommandError, match="No site"):
        call_command("whatsapp_simulate_inbound", "+393331234567", "ISCRIVIMI", site=9999)
    call_command("whatsapp_simulate_inbound", "+393331234567", "ISCRIVIMI", site=webhook_site_settings.site.pk)
    assert Subscriber.objects.get().site == webhook_site_settings.site


def test_simulate_refuses_a_bad_number(site):
    with pytest.raises(CommandError, match="valid phone number"):
        call_command("whatsapp_simulate_inbound", "not-a-number", "ISCRIVIMI")


# --- the admin page -----------------------------------------------------------------------------------------------
def test_chat_page_shows_the_conversation_in_order(admin_client, policy_pages):
    call_command("whatsapp_simulate_inbound", "+393331234567", "ISCRIVIMI")
    response = admin_client.get(CHAT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "+393331234567" in html
    assert html.index("ISCRIVIMI") < html.index("Benvenuto")
    assert "sandbox_chat.css" in html
    assert "ww-ticks--read" in html


def test_typing_as_the_citizen_goes_through_the_webhook(admin_client, webhook_site_settings):
    response = admin_client.post(
        CHAT_URL, {"number": "333 123 4567", "text": " Iscrivimi! ", "site": webhook_site_settings.site.pk}
    )
    assert response.status_code == 302 and "number=%2B393331234567" in response["Location"]
    assert InboundMessage.objects.get().text == " Iscrivimi! "
    assert Subscriber.objects.get().status == "active"
    page = admin_client.get(response["Location"]).content.decode()
    assert "Benvenuto" in page


def test_a_bad_number_is_a_form_error(admin_client, webhook_site_settings):
    response = admin_client.post(CHAT_URL, {"number": "abc", "text": "ciao", "site": webhook_site_settings.site.pk})
    assert response.status_code == 200
    assert "not a valid phone number" in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_webhook_refusal_is_shown(admin_client, webhook_site_settings):
    with override_settings(WAGTAIL_WHATSAPP={**CLOUD, "BACKEND": "sandbox", "APP_SECRET": ""}):
        response = admin_client.post(
            CHAT_URL, {"number": "+393331234567", "text": "ciao", "site": webhook_site_settings.site.pk}, follow=True
        )
    assert "refused" in response.content.decode()
    assert not SandboxMessage.objects.exists()


def test_menu_item_for_staff_in_sandbox_mode(admin_client, site):
    assert reverse("wagtail_whatsapp_admin:sandbox_chat") == CHAT_URL
    assert CHAT_URL in admin_client.get("/admin/").content.decode()


@pytest.mark.parametrize(
    "codenames", [(), ("send_broadcast", "view_reports", "moderate_inbox")], ids=["admin only", "other permissions"]
)
def test_without_manage_subscribers_the_chat_is_refused(client, whatsapp_user, site, codenames):
    # The chat shows every full number and writes as any of them: staff status or other WhatsApp permissions do not
    # open it.
    user = whatsapp_user(*codenames)
    user.is_staff = True
    user.save()
    client.force_login(user)
    SandboxMessage.objects.create(direction="out", recipient="+393331234567", wamid="wamid.x", message_type="text")
    response = client.get(CHAT_URL)
    assert response.status_code == 403 and "+393331234567" not in response.content.decode()
    assert client.post(CHAT_URL, {"number": "+393331234567", "text": "ISCRIVIMI", "site": site.pk}).status_code == 403
    assert not InboundMessage.objects.exists()
    assert CHAT_URL not in client.get("/admin/").content.decode()


def test_manage_subscribers_opens_the_chat(client, whatsapp_user, site):
    client.force_login(whatsapp_user("manage_subscribers"))
    assert client.get(CHAT_URL).status_code == 200
    assert CHAT_URL in client.get("/admin/").content.decode()


def test_anonymous_is_sent_to_login(client, site):
    response = client.get(CHAT_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@override_settings(WAGTAIL_WHATSAPP=CLOUD)
def test_page_does_not_exist_with_the_cloud_backend(admin_client, site):
    assert admin_client.get(CHAT_URL).status_code == 404
    assert CHAT_URL not in admin_client.get("/admin/").content.decode()


def test_a_message_of_the_recommended_family_reads_as_on_the_phone():
    from wagtail_whatsapp.models import SandboxMessage
    from wagtail_whatsapp.sandbox.chat import display_text

    parameters = [
        {"type": "text", "parameter_name": "servizio", "text": "Esempio Informa"},
        {"type": "text", "parameter_name": "testo", "text": "Via Roma chiusa — Da lunedì."},
    ]
    body = {"template": {"name": "comune_avviso", "components": [{"type": "body", "parameters": parameters}]}}
    text = display_text(SandboxMessage(message_type="template", body=body))
    assert "Novità da Esempio Informa:\n\nVia Roma chiusa — Da lunedì.\n\nGrazie per l'attenzione." in text


def test_the_sandbox_needs_no_number_from_meta(site, settings):
    # A new site trying the sandbox has no Meta account, hence no PHONE_NUMBER_ID: the sandbox number stands in.
    settings.WAGTAIL_WHATSAPP = {"BACKEND": "sandbox", "APP_SECRET": "an-app-secret", "VERIFY_TOKEN": "a-token"}
    call_command("whatsapp_simulate_inbound", "+393331234567", "ISCRIVIMI")
    assert Subscriber.objects.get().status == "active"
    welcome = SandboxMessage.objects.get(direction="out")
    assert welcome.phone_number_id == "100000000000001" and welcome.recipient == "+393331234567"
