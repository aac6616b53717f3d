"""``whatsapp_broadcast --dry-run [--json]`` and ``--exceed-budget``, and ``whatsapp_import_subscribers`` (issue 12)."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.broadcast_admin import approved_template, make_subscribers
from wagtail_whatsapp.models import BlockedNumber, Broadcast, ConsentRecord, Subscriber, WhatsAppSettings
from wagtail_whatsapp.subscribers.identities import number_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(site, test_backend):
    make_subscribers(site, outside_window=3, inside_window=2)
    return approved_template(site)


def dry_run(*args):
    out = StringIO()
    call_command("whatsapp_broadcast", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_the_plan_and_its_cost_and_writes_nothing(site, news_page, ready, settings, test_backend):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "MESSAGING_LIMIT": 2}
    with CaptureQueriesContext(connection) as queries:
        output = dry_run(news_page.pk, "--dry-run")
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert "→ 5 subscribers" in output
    assert "3 with the template (1 held by the daily limit), 2 free-form" in output
    assert "template: notizia_comune (it), category MARKETING" in output
    assert "header: none" in output
    assert '"text": "Chiusura di via Roma"' in output  # the exact parameters
    assert "cost: about 0.21 USD (3 × 0.0691 USD, MARKETING); Meta's prices for Italy as of 2026-01-01" in output
    assert not Broadcast.objects.exists() and test_backend.sent == []


def test_dry_run_json_is_one_object_with_stable_keys(site, news_page, ready):
    plan = json.loads(dry_run(news_page.pk, "--dry-run", "--json"))
    assert sorted(plan) == [
        "budget", "can_send", "cost", "header", "message", "page", "parameters", "problems", "recipients", "site",
        "template", "warnings",
    ]  # fmt: skip
    assert plan["can_send"] is True and plan["problems"] == []
    assert plan["recipients"] == {"total": 5, "template": 3, "freeform": 2, "held_by_daily_limit": 0}
    assert plan["template"] == {
        "name": "notizia_comune", "language": "it", "category": "MARKETING", "category_change_pending": False
    }  # fmt: skip
    assert plan["header"] == {"type": "", "media": None}
    assert [item["text"] for item in plan["parameters"]["body"]] == [
        "Chiusura di via Roma",
        "Lavori in corso da lunedì.",
    ]
    assert plan["cost"] == {
        "currency": "USD",
        "prices_as_of": "2026-01-01",
        "category": "MARKETING",
        "priced_as": "MARKETING",
        "unit_price": "0.0691",
        "template_messages": 3,
        "freeform_messages": 2,
        "held_by_daily_limit": 0,
        "held_cost": "0.0000",
        "total": "0.2073",
    }
    assert plan["budget"] == {
        "monthly_budget": None, "billed_this_month": "0", "committed": "0", "exceeded": False
    }  # fmt: skip
    assert plan["page"] == {"id": news_page.pk, "title": "Chiusura di via Roma"}


def test_dry_run_of_a_plan_that_cannot_go_exits_1_after_printing_it(site, news_page, test_backend):
    make_subscribers(site, outside_window=2, inside_window=0)  # no template chosen
    out = StringIO()
    with pytest.raises(CommandError, match="no approved template"):
        call_command("whatsapp_broadcast", news_page.pk, "--dry-run", "--json", stdout=out)
    plan = json.loads(out.getvalue())
    assert plan["can_send"] is False and "no approved template" in plan["problems"][0]
    assert plan["template"] is None


def test_json_needs_dry_run(news_page):
    with pytest.raises(CommandError, match="--json goes with --dry-run"):
        call_command("whatsapp_broadcast", news_page.pk, "--json")


def test_over_budget_the_command_refuses_unless_told_to_exceed_it(site, news_page, ready):
    settings = WhatsAppSettings.for_site(site)
    settings.monthly_budget = Decimal("0.10")
    settings.save()
    with pytest.raises(CommandError, match="would be exceeded by 0.11 USD. Add --exceed-budget"):
        call_command("whatsapp_broadcast", news_page.pk, "--yes", stdout=StringIO())
    assert not Broadcast.objects.exists()
    out = StringIO()
    call_command("whatsapp_broadcast", news_page.pk, "--yes", "--exceed-budget", stdout=out)
    assert "cost: about 0.21 USD (3 × 0.0691 USD, MARKETING)" in out.getvalue()
    assert "monthly budget 0.10 USD, 0.00 USD spent or committed this month" in out.getvalue()
    assert Broadcast.objects.get().estimated_cost == Decimal("0.2073")


# --- whatsapp_import_subscribers -------------------------------------------------------------------------------------


def write(tmp_path, text, name="lista.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def test_import_brings_in_new_numbers_and_never_brings_back_who_left_or_was_blocked(site, tmp_path):
    Subscriber.objects.create(site=site, phone_number="+393480000001", status=Subscriber.Status.ACTIVE)
    Subscriber.objects.create(site=site, phone_number="+393480000002", status=Subscriber.Status.UNSUBSCRIBED)
    BlockedNumber.objects.create(site=site, number_hash=number_hash("+393480000003"))  # blocked, then erased
    path = write(
        tmp_path,
        "numero;nome\n348 000 0001;Anna\n348 000 0002;Bruno\n348 000 0003;Carla\n348 000 0004;Dario\nciao;Elena\n",
    )
    out = StringIO()
    call_command("whatsapp_import_subscribers", path, stdout=out)
    output = out.getvalue()
    assert "1 subscribers imported into" in output and "1 already subscribed, 3 rows rejected" in output
    assert "this number left the service" in output and "blocked number" in output
    assert "not a valid phone number" in output
    dario = Subscriber.objects.get(phone_number="+393480000004")
    assert (dario.profile_name, dario.source, dario.status) == ("Dario", "imported", "active")
    assert ConsentRecord.objects.get(subscriber=dario).action == ConsentRecord.Action.IMPORT
    assert Subscriber.objects.get(phone_number="+393480000002").status == Subscriber.Status.UNSUBSCRIBED


def test_import_exits_1_when_nothing_was_imported(site, tmp_path):
    path = write(tmp_path, "numero\nciao\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("whatsapp_import_subscribers", path, stdout=StringIO())
    # From a shell, that is exit code 1.
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "whatsapp_import_subscribers", path]).execute()
    assert exit_info.value.code == 1


def test_import_bad_file_or_site_is_a_clear_error(site, tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.csv"):
        call_command("whatsapp_import_subscribers", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("whatsapp_import_subscribers", str(tmp_path))  # a folder
    with pytest.raises(CommandError, match="No site with ID 999"):
        call_command("whatsapp_import_subscribers", write(tmp_path, "3480000009\n"), "--site", "999")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty"):
        call_command("whatsapp_import_subscribers", str(empty))
    assert not Subscriber.objects.exists()


def test_import_into_another_site(site, tmp_path):
    from wagtail.models import Site

    other = Site.objects.create(hostname="altro.example", root_page=site.root_page, site_name="Altro")
    call_command(
        "whatsapp_import_subscribers", write(tmp_path, "3480000009\n"), "--site", str(other.pk), stdout=StringIO()
    )
    assert Subscriber.objects.get().site == other
