"""Users who see masked numbers cannot get them back: no list searches or sorts by a number for them, whatever the
address says, and no export hands them one (issue 13, point 1)."""

import csv
import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.whatsapp_data import make_broadcast, make_message, make_subscriber
from wagtail_whatsapp.models import ConsentRecord, Delivery

pytestmark = pytest.mark.django_db

NUMBERS = ["+393481234511", "+393491234522", "+393331234533"]
# A wamid the way Meta writes them: base64 that spells out the citizen's number.
REAL_WAMID = "wamid.HBgMMzkzNDgxMjM0NTExFQIAEhgUM0E0QTY1OTlBRUUwMzgxMDE0NEYA"
LISTS = {
    "subscribers": "wagtail_whatsapp_subscriber_modeladmin_index",
    "inbox": "wagtail_whatsapp_inboundmessage_modeladmin_index",
    "consent log": "wagtail_whatsapp_consentrecord_modeladmin_index",
    "broadcasts": "wagtail_whatsapp_broadcast_modeladmin_index",
    "templates": "wagtail_whatsapp_messagetemplate_modeladmin_index",
    "replies": "wagtail_whatsapp_reply_modeladmin_index",
}
# What a curious user would try: one digit, the operator, the tail, the whole number typed in several ways.
PROBES = ["3", "348", "349", "4511", "+39 348 123 4511", "00393481234511"]


@pytest.fixture
def citizens(site):
    subscribers = []
    for index, number in enumerate(NUMBERS):
        subscriber = make_subscriber(site, number, profile_name=f"Cittadino {'ABC'[index]}")
        make_message(site, "Buongiorno", number, subscriber=subscriber)
        subscribers.append(subscriber)
    ConsentRecord.objects.create(
        site=site, subscriber=subscribers[0], action="unsubscribe", phone_number=NUMBERS[0], message_wamid=REAL_WAMID
    )
    make_broadcast(site, subscribers, [Delivery.Status.READ] * 3)
    return subscribers


def _masked_users(whatsapp_user):
    editors, moderators = whatsapp_user(), whatsapp_user()
    editors.groups.add(Group.objects.get(name="WhatsApp editors"))
    moderators.groups.add(Group.objects.get(name="WhatsApp moderators"))
    return {
        "view_reports": whatsapp_user("view_reports"),
        "moderate_inbox": whatsapp_user("moderate_inbox"),
        "every permission but manage_subscribers": whatsapp_user("view_reports", "moderate_inbox", "send_broadcast"),
        "WhatsApp editors": editors,
        "WhatsApp moderators": moderators,
    }


def _shown(client, url, query=None):
    """The rows a list shows (in order), its HTML and its columns; None when the user may not open it."""
    response = client.get(url, query or {})
    if response.status_code == 403:
        return None
    assert response.status_code == 200, (url, query, response.status_code)
    view = response.context["view"]
    return [obj.pk for obj in view.queryset], response.content.decode(), view.list_display


def _number_columns(list_display):
    return [i for i, field in enumerate(list_display) if field in ("masked_number", "sender", "full_number")]


def test_a_number_cannot_be_probed_digit_by_digit_on_any_list(client, citizens, whatsapp_user):
    opened = set()
    for who, user in _masked_users(whatsapp_user).items():
        client.force_login(user)
        for name, url_name in LISTS.items():
            url = reverse(url_name)
            plain = _shown(client, url)
            if plain is None:
                continue
            opened.add(name)
            rows, html, columns = plain
            for number in NUMBERS:
                assert number not in html and number.lstrip("+") not in html, (who, name)
            assert REAL_WAMID not in html, (who, name)
            # A probe that matches no number answers like every other probe: no signal. Where the list holds
            # numbers the search is not applied at all.
            control = _shown(client, url, {"q": "0000"})[0]
            for probe in PROBES:
                shown = _shown(client, url, {"q": probe})[0]
                assert shown == control, (who, name, probe)
                if name in ("subscribers", "consent log"):
                    assert shown == rows, (who, name, probe)
            # Sorting by the number column (or asking for any column index) never orders by the number.
            for column in _number_columns(columns):
                for order in (str(column), f"-{column}", f"{column}.-{column}"):
                    assert _shown(client, url, {"o": order})[0] == rows, (who, name, order)
    assert opened == set(LISTS)


def test_number_fields_sort_nothing_for_a_masked_user_but_do_for_a_manager(client, citizens, whatsapp_user):
    url = reverse(LISTS["consent log"])
    client.force_login(whatsapp_user("view_reports"))
    view = client.get(url).context["view"]
    assert "message_wamid" not in view.list_display  # Meta's wamid spells the number out in base64
    for hidden in ("phone_number", "-wa_user_id", "message_wamid"):
        assert view.model_admin.hides_field(view.request.user, hidden)
    client.force_login(whatsapp_user("manage_subscribers"))
    view = client.get(url).context["view"]
    assert view.get_ordering_field("message_wamid") == "message_wamid"


def test_a_manager_still_searches_by_number(client, citizens, whatsapp_user):
    client.force_login(whatsapp_user("manage_subscribers"))
    rows, _html, _columns = _shown(client, reverse(LISTS["subscribers"]), {"q": "349 123 4522"})
    assert rows == [citizens[1].pk]
    _rows, html, _columns = _shown(client, reverse(LISTS["consent log"]))
    assert REAL_WAMID in html


def test_modeladmins_own_spreadsheet_export_is_not_reachable(client, citizens, whatsapp_user):
    # ?export=csv would write modeladmin's own spreadsheet (without the plugin's safe cells, for any list user).
    client.force_login(whatsapp_user("view_reports", "moderate_inbox"))
    for url_name in LISTS.values():
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse(url_name), {"export": fmt})
            assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_exports_give_a_masked_user_no_number(client, site, citizens, whatsapp_user):
    client.force_login(whatsapp_user("view_reports", "moderate_inbox", "send_broadcast"))
    # The subscribers' export is for manage_subscribers only, with or without a search.
    for query in ({}, {"q": "348"}):
        assert client.get(reverse("wagtail_whatsapp_admin:subscribers_export"), query).status_code == 403
    # The deliveries' CSV masks every number and reads no search from the address.
    broadcast = Delivery.objects.first().broadcast
    url = reverse("wagtail_whatsapp_admin:broadcast_deliveries_csv", args=[broadcast.pk])
    plain = b"".join(client.get(url).streaming_content).decode()
    probed = b"".join(client.get(url, {"q": "348", "o": "0"}).streaming_content).decode()
    assert plain == probed
    rows = list(csv.reader(io.StringIO(plain)))
    assert [row[0] for row in rows[1:]] == ["+39 348 ••• •511", "+39 349 ••• •522", "+39 333 ••• •533"]


def test_a_moderators_evidence_bundle_holds_no_wamid_nor_user_id(client, site, whatsapp_user, test_backend):
    message = make_message(site, "Sei un ladro", NUMBERS[0])
    message.wamid, message.wa_user_id = REAL_WAMID, "US.13491208655302741918"
    message.save()
    client.force_login(whatsapp_user("moderate_inbox"))
    client.post(reverse("wagtail_whatsapp_admin:inbox_report", args=[message.pk]), {"reason": "insulti"})
    response = client.get(reverse("wagtail_whatsapp_admin:inbox_evidence"), {"id": message.pk})
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    everything = bundle.read("evidence.json").decode() + bundle.read("evidence.txt").decode()
    assert REAL_WAMID not in everything and "13491208655302741918" not in everything
    assert json.loads(bundle.read("evidence.json"))["sender"]["whatsapp_user_id"] == "US.•••••••••••••••••918"


def test_the_consent_log_is_searched_only_by_those_who_see_numbers(client, site, citizens, whatsapp_user):
    # A note may quote the citizen (a block's reason), so it is searched as numbers are: by managers only.
    block = ConsentRecord.objects.create(site=site, action="block", phone_number=NUMBERS[1], note="Insulti ripetuti")
    url = reverse(LISTS["consent log"])
    client.force_login(whatsapp_user("view_reports"))
    everything = _shown(client, url)[0]
    for probe in ("insulti", "349 123 4522", "4522"):
        assert _shown(client, url, {"q": probe})[0] == everything, probe
    # Event and date filters are for everyone.
    assert _shown(client, url, {"action__exact": "block"})[0] == [block.pk]
    client.force_login(whatsapp_user("manage_subscribers"))
    assert _shown(client, url, {"q": "insulti"})[0] == [block.pk]
    assert block.pk in _shown(client, url, {"q": "349 123 4522"})[0]
