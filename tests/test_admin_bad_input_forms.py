"""Bad input to the plugin's admin forms, one form at a time: a form error or a 4xx with the reason, and what is
already stored stays as it was. (tests/test_admin_bad_input.py sweeps every admin URL for 5xx.)"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.whatsapp_data import make_broadcast, make_message, make_subscriber
from wagtail_whatsapp.models import (
    Broadcast,
    ConsentRecord,
    Delivery,
    InboundMessage,
    SandboxMessage,
    Subscriber,
    WhatsAppSettings,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db]  # a sweep of every admin URL

FULL = "+393481234511"
BAD_NUMBERS = ["", "+39 abc", "0000", "348\x001234511", "3" * 5000, "ü漢🙂"]
ADMIN = "wagtail_whatsapp_admin:"


def rows():
    return (Subscriber.objects.count(), ConsentRecord.objects.count(), SandboxMessage.objects.count())


def _csv(content, name="lista.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


CSV_REFUSED = {
    "binary junk": (bytes(range(256)) * 40, "The file is neither UTF-8 nor Windows text."),
    "empty file": (b"", "The submitted file is empty."),
    "a 200 kB cell": (b"telefono\n" + b"3" * 200_000 + b"\n", "Line 2 of the file cannot be read as CSV."),
    "names but no numbers": (b"nome\nMario\n", "No column of phone numbers"),
    "UTF-16 that is not": (b"\xff\xfet\x00e\x00l", "The file says it is UTF-16 text but is not."),
}


@pytest.mark.parametrize("case", CSV_REFUSED)
def test_an_unreadable_csv_is_a_form_error_and_imports_nothing(admin_client, site, case):
    content, error = CSV_REFUSED[case]
    make_subscriber(site, FULL)
    before = rows()
    response = admin_client.post(
        reverse(ADMIN + "subscribers_import"), {"site": site.pk, "confirm_consent": "on", "file": _csv(content)}
    )
    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].errors["file"])
    assert rows() == before


@pytest.mark.parametrize(
    ("content", "imported", "rejected"),
    [
        ("telefono;nome\n3487654321;Niccolò\n".encode("latin-1"), 1, 0),
        ("telefono\tnome\n3487654321\tMario\n".encode("utf-16"), 1, 0),  # Excel's "Unicode text", with its BOM
        (b"telefono,nome\n", 0, 0),  # a header only
        (b"348\x007654321\n+39 abc\n0000\n", 0, 3),
        ((",".join(["x"] * 50_000) + "\n3487654321\n").encode(), 1, 1),  # 50,000 columns
    ],
    ids=["latin-1", "utf-16", "header only", "bad numbers", "50,000 columns"],
)
def test_odd_but_readable_csv_files_are_imported_row_by_row(admin_client, site, content, imported, rejected):
    data = {"site": site.pk, "confirm_consent": "on"}
    response = admin_client.post(reverse(ADMIN + "subscribers_import"), {**data, "file": _csv(content)})
    result = response.context["result"]
    assert (result.imported, len(result.errors)) == (imported, rejected)
    assert Subscriber.objects.count() == imported
    # The same file again (a double click): nothing new, the numbers are already subscribed.
    again = admin_client.post(reverse(ADMIN + "subscribers_import"), {**data, "file": _csv(content)})
    assert again.context["result"].imported == 0 and again.context["result"].skipped_existing == imported
    assert Subscriber.objects.count() == imported


@pytest.mark.parametrize(
    "data",
    [{}, {"site": "abc", "confirm_consent": "on"}, {"site": "9" * 30, "confirm_consent": "on"}, {"site": "\x00"}],
)
def test_an_import_without_a_valid_site_or_consent_is_refused(admin_client, site, data):
    response = admin_client.post(reverse(ADMIN + "subscribers_import"), {**data, "file": _csv(b"3487654321\n")})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("number", BAD_NUMBERS)
@pytest.mark.parametrize("action", ["export", "erase"])
def test_a_data_request_for_a_bad_number_is_a_form_error_and_erases_nothing(admin_client, site, action, number):
    make_subscriber(site, FULL)
    before = rows()
    data = {"action": action, f"{action}-site": site.pk, f"{action}-number": number, f"{action}-confirm": "on"}
    response = admin_client.post(reverse(ADMIN + "gdpr"), data)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert response.context[f"{action}_form"].errors["number"]
    assert rows() == before


def test_a_data_request_with_an_unknown_action_only_shows_the_forms(admin_client, site):
    make_subscriber(site, FULL)
    response = admin_client.post(reverse(ADMIN + "gdpr"), {"action": "explode", "erase-number": FULL})
    assert response.status_code == 200 and rows() == (1, 1, 0)


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_a_test_send_to_a_bad_number_is_a_form_error_and_sends_nothing(admin_client, site, news_page, number):
    url = reverse("wagtail_whatsapp_admin:broadcast_test_send", args=[news_page.pk])
    response = admin_client.post(url, {"number": number})
    assert response.status_code == 200 and response.context["test_form"].errors["number"]
    assert not SandboxMessage.objects.exists()


@pytest.mark.parametrize(
    "data", [{"number": "+39 abc", "text": "ISCRIVIMI"}, {"number": FULL, "text": "x" * 5000}, {"number": FULL}]
)
def test_the_sandbox_chat_refuses_a_bad_citizen_message(admin_client, site, data):
    response = admin_client.post(reverse("wagtail_whatsapp_admin:sandbox_chat"), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not InboundMessage.objects.exists() and not SandboxMessage.objects.exists()


def test_broadcast_controls_that_do_not_exist_or_no_longer_apply(admin_client, site):
    broadcast = make_broadcast(site, [make_subscriber(site, FULL)], [Delivery.Status.DELIVERED])
    control = "wagtail_whatsapp_admin:broadcast_control"
    for action in ("explode", "PAUSE", "delete", "pause.json"):
        assert admin_client.post(reverse(control, args=[broadcast.pk, action])).status_code == 404
    assert admin_client.get(reverse(control, args=[broadcast.pk, "cancel"])).status_code == 405
    assert admin_client.post(reverse(control, args=[broadcast.pk, "cancel"])).status_code == 302
    for action in ("cancel", "resume", "pause"):  # the repeated submit and the late ones: a warning, no change
        response = admin_client.post(reverse(control, args=[broadcast.pk, action]), follow=True)
        assert response.status_code == 200 and "“Cancelled”" in response.content.decode()
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.CANCELLED


def test_moderation_actions_refuse_a_missing_reason_and_survive_a_double_submit(admin_client, site):
    message = make_message(site, "Buongiorno", FULL)
    delete = reverse(ADMIN + "inbox_delete", args=[message.pk])
    for data in ({}, {"reason": ""}, {"reason": "x" * 3000}, {"reason": "\x00"}):
        admin_client.post(delete, data)
        message.refresh_from_db()
        assert message.state != InboundMessage.State.DELETED and message.text == "Buongiorno"
    assert admin_client.post(delete, {"reason": "spam"}).status_code == 302
    assert admin_client.post(delete, {"reason": "spam"}).status_code == 302  # twice: still deleted, once
    block = reverse(ADMIN + "inbox_block", args=[message.pk])
    refusals = (({"reason": "x" * 3000}, "at most 2000 characters"), ({"reason": "\x00"}, "Null characters"))
    for data, error in refusals:  # a reason that cannot be kept: no block without it
        response = admin_client.post(block, data, follow=True)
        assert error in " ".join(str(note) for note in response.context["messages"])
        assert not Subscriber.objects.exists()
    assert admin_client.post(block, {}).status_code == 302
    assert admin_client.post(block, {}).status_code == 302  # twice: still one blocked subscriber
    assert list(Subscriber.objects.values_list("phone_number", "status")) == [(FULL, Subscriber.Status.BLOCKED)]


def test_a_subscriber_block_with_a_bad_reason_blocks_nobody(admin_client, site):
    subscriber = make_subscriber(site, FULL)
    response = admin_client.post(reverse(ADMIN + "subscriber_block", args=[subscriber.pk]), {"reason": "x" * 3000})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


@pytest.mark.parametrize("field", ["policy_page", "privacy_page"])
@pytest.mark.parametrize("value", ["abc", "\x00", "1.5", "9" * 30])
def test_a_page_chooser_given_junk_is_a_form_error_in_the_settings(admin_client, site, field, value):
    # Regression: Wagtail's page chooser looked the junk up while showing the form again and failed with a 500.
    url = reverse("wagtailsettings:edit", args=["wagtail_whatsapp", "whatsappsettings", site.pk])
    before = WhatsAppSettings.for_site(site).service_name
    response = admin_client.post(url, {field: value, "service_name": "Changed"})
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert WhatsAppSettings.for_site(site).service_name == before
