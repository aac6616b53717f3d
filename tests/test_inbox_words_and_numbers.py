"""The moderator's words and numbers (issue 16): "flagged" and "reported" are two words in Italian; on the message
page reporting comes before deleting, and deleting says it loses the evidence; a number is shown the same way on the
inbox list and on the message page, following the permission every list follows."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.whatsapp_data import make_message
from wagtail_whatsapp.inbound.moderation import flag_message
from wagtail_whatsapp.models import InboundMessage

pytestmark = pytest.mark.django_db

INBOX = "wagtail_whatsapp_inboundmessage_modeladmin_index"
NUMBER, MASKED = "+393481234511", "+39 348 ••• •511"


@pytest.fixture
def flagged(site):
    message = make_message(site, "Guarda www.truffa.com", NUMBER)
    flag_message(message)
    return message


def test_flagged_and_reported_are_two_different_italian_words():
    flagged_field = InboundMessage._meta.get_field("flagged")
    flags_field = InboundMessage._meta.get_field("flags")
    with translation.override("it"):
        reported = str(InboundMessage.State.REPORTED.label)
        automatic = [str(flagged_field.verbose_name), str(flags_field.verbose_name)]
    assert reported == "Segnalato"
    assert automatic == ["messo in evidenza", "in evidenza perché"]
    assert not any("segnal" in word.lower() for word in automatic)


def test_the_italian_list_tells_flagged_from_reported(client, whatsapp_user, site, flagged):
    client.force_login(whatsapp_user("moderate_inbox"))
    reported = make_message(site, "Minacce", "+393491234522")
    InboundMessage.objects.filter(pk=reported.pk).update(state=InboundMessage.State.REPORTED)
    html = client.get(reverse(INBOX), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "In evidenza perché" in html and "Per messo in evidenza" in html
    header = html[
        html.index("<thead>", html.index('class="listing')) : html.index("</thead>", html.index('class="listing'))
    ]
    assert "Mittente" in header and "Tipo" in header and "data-bulk-action-select-all-checkbox" in header
    assert (
        "Masked number" not in header
        and "Kind" not in header
        and ">Select<" not in header.replace(" ", "").replace("\n", "")
    )
    # The reported message's state says so; the flagged one waits as "Nuovo", its reasons under "In evidenza perché".
    assert html.count('field-state title">Segnalato</td>') == 1
    assert html.count('field-state title">Nuovo</td>') == 1


def test_report_comes_before_delete_and_delete_says_the_evidence_is_lost(client, whatsapp_user, flagged):
    client.force_login(whatsapp_user("moderate_inbox"))
    url = reverse("wagtail_whatsapp_admin:inbox_detail", args=[flagged.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    report, delete = html.index('data-action="report"'), html.index('data-action="delete"')
    assert report < delete
    assert html.index("<h3>Segnala</h3>") < html.index("<h3>Elimina</h3>")
    warning = html[html.index("data-delete-warning") : delete]
    assert "dopo non resta nulla da segnalare" in warning and "segnalalo prima" in warning
    # Each reason field has an id of its own, so each label names its field.
    assert html.count('id="id_delete_reason"') == html.count('id="id_report_reason"') == 1


def _sender_cells(client):
    response = client.get(reverse(INBOX))
    view = response.context["view"]
    column = [name for name in view.list_display if name in ("full_number", "masked_number")]
    return column, response.content.decode()


def test_a_user_who_sees_numbers_sees_them_in_the_list_and_on_the_page(client, whatsapp_user, flagged):
    client.force_login(whatsapp_user("moderate_inbox", "manage_subscribers"))
    column, html = _sender_cells(client)
    assert column == ["full_number"] and NUMBER in html and MASKED not in html
    page = client.get(reverse("wagtail_whatsapp_admin:inbox_detail", args=[flagged.pk])).content.decode()
    assert NUMBER in page


def test_a_user_who_sees_masked_numbers_sees_them_masked_in_the_list_and_on_the_page(client, whatsapp_user, flagged):
    client.force_login(whatsapp_user("moderate_inbox"))
    column, html = _sender_cells(client)
    assert column == ["masked_number"] and MASKED in html and NUMBER not in html
    page = client.get(reverse("wagtail_whatsapp_admin:inbox_detail", args=[flagged.pk])).content.decode()
    assert MASKED in page and NUMBER not in page and NUMBER.lstrip("+") not in page


def test_a_masked_user_still_cannot_sort_or_filter_the_inbox_by_number(client, whatsapp_user, site, flagged):
    other = make_message(site, "Altro", "+393331234533")
    client.force_login(whatsapp_user("moderate_inbox"))
    response = client.get(reverse(INBOX), {"phone_number__startswith": "+39348"})
    assert response.status_code == 400  # not a filter the list offers
    view = client.get(reverse(INBOX)).context["view"]
    for lookup in ("phone_number", "-wa_user_id", "wamid"):
        assert view.model_admin.hides_field(view.request.user, lookup)
    assert view.model_admin.get_search_fields(view.request) == ("text",)
    rows = [obj.pk for obj in client.get(reverse(INBOX), {"q": "348"}).context["view"].queryset]
    assert rows == []  # the search reads the text only: "348" is in no message's text
    assert [obj.pk for obj in client.get(reverse(INBOX), {"q": "Altro"}).context["view"].queryset] == [other.pk]


def test_message_types_are_words_in_the_list_and_its_filter(client, whatsapp_user, site, flagged):
    client.force_login(whatsapp_user("moderate_inbox"))
    photo = make_message(site, "", message_type="image", media_id="m1", media_mime_type="image/jpeg")
    url = reverse(INBOX)
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert 'field-kind title">Immagine</td>' in html and 'field-kind title">Testo</td>' in html
    assert ">Immagine</a>" in html and ">Image</a>" not in html  # the filter's choices
    response = client.get(url, {"message_type__exact": "image"})
    assert [obj.pk for obj in response.context["view"].queryset] == [photo.pk]
