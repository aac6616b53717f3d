"""Malformed input to every admin URL of the plugin: never a 5xx (helpers and junk in tests/admin_sweep.py).

A superuser (and users holding one plugin permission each) sends junk paths, query strings and form bodies to each
admin URL the resolver knows. That a bad form gets a form error and changes nothing is checked form by form in
tests/test_admin_bad_input_forms.py; the last tests here are regressions for the 500s the sweep found."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.admin_sweep import (
    FILTER_JUNK,
    KNOWN_FIELDS,
    MASKED_PROBES,
    OUT_OF_RANGE_PK,
    PATH_JUNK,
    QUERY_JUNK,
    VALUE_JUNK,
    Sweep,
    plugin_admin_routes,
)
from tests.broadcast_admin import approved_template
from tests.whatsapp_data import make_broadcast, make_message, make_subscriber
from wagtail_whatsapp.models import (
    Broadcast,
    ConsentRecord,
    Delivery,
    InboundMessage,
    SandboxMessage,
    Subscriber,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db]  # a sweep of every admin URL

FULL = "+393481234511"
# What each permission may change at all (the rest of snapshot() must stay as it was, whatever the user posts).
MAY_CHANGE = {
    "send_broadcast": {"broadcasts", "sandbox"},
    "moderate_inbox": {"messages", "subscribers", "consent"},
    "manage_subscribers": {"subscribers", "consent", "messages"},
    "view_reports": set(),
}


@pytest.fixture
def stored(site, news_page):
    """One of everything the admin shows, so that each path parameter has a real row to point at."""
    subscriber = make_subscriber(site, FULL)
    blocked = make_subscriber(site, "+393331112222", status=Subscriber.Status.BLOCKED)
    message = make_message(site, "Buongiorno", FULL, subscriber=subscriber, media_id="m1", media_mime_type="image/jpeg")
    broadcast = make_broadcast(site, [subscriber], [Delivery.Status.DELIVERED])
    Broadcast.objects.filter(pk=broadcast.pk).update(page=news_page)
    approved_template(site)
    SandboxMessage.objects.create(recipient=FULL, wamid="wamid.sandbox1", message_type="text", body={})
    objects = (site, news_page, subscriber, blocked, message, broadcast)
    return {"existing": sorted({str(obj.pk) for obj in objects})}


def snapshot():
    """What a rejected request must leave untouched: row counts and every status."""
    return {
        "subscribers": sorted(Subscriber.objects.values_list("pk", "status", "phone_number")),
        "messages": sorted(InboundMessage.objects.values_list("pk", "state")),
        "broadcasts": sorted(Broadcast.objects.values_list("pk", "status")),
        "consent": ConsentRecord.objects.count(),
        "sandbox": SandboxMessage.objects.count(),
    }


def reachable_urls(sweep, existing):
    """Each route once, filled with the existing row its view works on: the URL whose GET answers best (a page, then
    a redirect or "POST only", then a refusal such as "this page type cannot be sent", last "not found")."""
    urls = []
    for route in plugin_admin_routes():
        ranked = []
        for url in route.urls(existing):
            response = sweep.send("get", url)
            status = response.status_code if response is not None else 500
            ranked.append((0 if status == 200 else 1 if status in (302, 405) else 3 if status == 404 else 2, url))
            if status == 200:
                break
        urls.append(min(ranked, key=lambda pair: pair[0])[1])  # the first of the best
    return urls


def test_the_sweep_finds_every_admin_url_module_of_the_plugin():
    names = {route.name for route in plugin_admin_routes()}
    namespaces = {name.split(":")[0] for name in names if ":" in name}
    assert {"wagtail_whatsapp_admin"} <= namespaces
    modeladmin = {name for name in names if name.endswith("_modeladmin_index")}
    assert len(modeladmin) == 6 and "wagtailsettings:edit" in names
    assert "wagtail_whatsapp_admin:broadcast_control" in names and len(names) >= 25


def test_no_path_parameter_gives_a_5xx(admin_client, stored):
    sweep = Sweep(admin_client)
    reached = set()
    for route in plugin_admin_routes():
        for url in route.urls(stored["existing"] + PATH_JUNK):
            for method in ("get", "post"):
                response = sweep.send(method, url, {} if method == "post" else None)
                if response is not None and response.status_code != 404:
                    reached.add(route.name)
    assert not sweep.failures, sweep.report()
    # Every route led somewhere with at least one value: the sweep really reached each view's code.
    assert reached == {route.name for route in plugin_admin_routes()}


def test_the_views_modeladmin_does_not_register_answer_404(admin_client, stored):
    sweep = Sweep(admin_client)
    for route in plugin_admin_routes():
        if route.name.endswith("_modeladmin_index"):
            index = next(route.urls([]))
            for action in ("create/", "inspect/1/", "edit/1/", "delete/1/", "history/1/"):
                response = sweep.send("get", index + action)
                assert response is not None and response.status_code == 404, index + action
    assert not sweep.failures, sweep.report()


def test_no_query_string_gives_a_5xx(admin_client, stored):
    sweep = Sweep(admin_client)
    for url in reachable_urls(sweep, stored["existing"]):
        for query in QUERY_JUNK + (FILTER_JUNK if url.startswith("/admin/wagtail_whatsapp/") else []):
            sweep.send("get", url, query)
    assert not sweep.failures, sweep.report()


def test_no_form_body_gives_a_5xx(admin_client, stored):
    sweep = Sweep(admin_client)
    urls = []
    for url in reachable_urls(sweep, stored["existing"]):
        posted = sweep.send("post", url, {})
        if posted is not None and posted.status_code != 405:  # GET-only views answer 405 to anything posted
            urls.append(url)
    names = sorted(sweep.field_names)  # every field of every form the admin pages showed
    assert {"erase-number", "number", "reason", "file", "policy_page", "quiet_hours_start"} <= set(names)
    for url in urls:
        for value in VALUE_JUNK:
            sweep.send("post", url, dict.fromkeys(names, value))
        sweep.send("post", url, {name: ["1", "x\x00"] for name in names})  # each field given twice
    assert not sweep.failures, sweep.report()

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        url=st.sampled_from(urls),
        body=st.dictionaries(st.sampled_from(names), st.sampled_from(VALUE_JUNK) | st.text(max_size=20), max_size=6),
    )
    def random_bodies(url, body):
        sweep.send("post", url, body)

    random_bodies()
    assert not sweep.failures, sweep.report()


@pytest.mark.parametrize("codename", MAY_CHANGE)
def test_users_with_one_permission_get_no_5xx_and_change_nothing_they_may_not(client, stored, whatsapp_user, codename):
    client.force_login(whatsapp_user(codename))
    sweep = Sweep(client)
    before = snapshot()
    for url in reachable_urls(sweep, stored["existing"]):
        sweep.send("get", url, {"q": "\x00", "p": "x", "status": "zzz"})
        for value in ("\x00", "on", "x" * 3000):
            sweep.send("post", url, dict.fromkeys(KNOWN_FIELDS, value))
    assert not sweep.failures, sweep.report()
    after = snapshot()
    assert {area: after[area] for area in after if area not in MAY_CHANGE[codename]} == {
        area: before[area] for area in before if area not in MAY_CHANGE[codename]
    }


@pytest.mark.parametrize("codename", ["view_reports", "moderate_inbox", "send_broadcast"])
def test_users_shown_masked_numbers_get_no_full_number_from_any_query(client, site, stored, whatsapp_user, codename):
    # A consent line with a wamid as Meta writes them: base64 that spells the number out.
    real_wamid = "wamid.HBgMMzkzNDgxMjM0NTExFQIAEhgUM0E0QTY1OTlBRUUwMzgxMDE0NEYA"
    ConsentRecord.objects.create(site=site, action="subscribe", phone_number=FULL, message_wamid=real_wamid)
    client.force_login(whatsapp_user(codename))
    sweep = Sweep(client)
    for url in reachable_urls(sweep, stored["existing"]):
        for probe in MASKED_PROBES:
            response = sweep.send("get", url, probe)
            if response is None or response.status_code != 200:
                continue
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode(errors="replace")
            for echoed in probe.values():  # a search box shows back what was typed: that is no leak
                text = text.replace(echoed, "")
            for trace in (FULL, FULL.lstrip("+"), "348 123 4511", real_wamid, "MzkzNDgxMjM0NTEx"):
                assert trace not in text, (url, probe, trace)
    assert not sweep.failures, sweep.report()


def test_a_list_refuses_a_filter_it_does_not_offer_and_says_why(client, site, stored, whatsapp_user):
    # Regression: modeladmin filtered on any lookup in the query string, and a lookup or value it could not read was a
    # 500. Worse, someone shown masked numbers could find the full ones with ?phone_number__startswith=….
    client.force_login(whatsapp_user("view_reports"))
    index = reverse("wagtail_whatsapp_subscriber_modeladmin_index")
    response = client.get(index, {"phone_number__startswith": FULL[:7]})
    assert response.status_code == 400
    assert "This list has no filter “phone_number__startswith”." in response.content.decode()
    broadcasts = reverse("wagtail_whatsapp_broadcast_modeladmin_index")
    assert client.get(broadcasts, {"created_by__password__startswith": "md5$"}).status_code == 400  # staff hashes
    response = client.get(index, {"subscribed_at__gte": "2026-13-45"})
    assert response.status_code == 400 and "a date that does not exist" in response.content.decode()
    # The filters of the side panel, the search and the ordering still work, whatever their values.
    response = client.get(index, {"status__exact": "active", "site__id__exact": site.pk, "o": "999"})
    assert response.status_code == 200
    assert client.get(index, {"status__exact": "zzz", "q": "\x00", "p": "x"}).status_code == 200


def test_ids_in_query_strings_that_cannot_be_ids(admin_client, stored):
    # Regression: "²" passed str.isdigit() and then failed int(); 2**63 overflowed SQLite. Both were 500s.
    export = reverse("wagtail_whatsapp_admin:subscribers_export")
    assert admin_client.get(export, {"site": "²"}).status_code == 400  # never every site's numbers instead
    assert admin_client.get(export, {"site": OUT_OF_RANGE_PK}).status_code == 400
    broadcasts = reverse("wagtail_whatsapp_admin:broadcast_index")
    for page_id in ("²", OUT_OF_RANGE_PK, "3" * 10_000):
        assert admin_client.get(broadcasts, {"page_id": page_id}).status_code == 200
    gdpr = admin_client.get(reverse("wagtail_whatsapp_admin:gdpr"), {"subscriber": "²"})
    assert gdpr.status_code == 200 and not gdpr.context["export_form"].initial
