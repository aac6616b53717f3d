"""``manage.py whatsapp_gdpr export|erase``: the admin's data request from a shell (issue 13, point 7)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.whatsapp_data import make_message, make_subscriber
from wagtail_whatsapp.models import BlockedNumber, ConsentRecord, InboundMessage, Subscriber
from wagtail_whatsapp.subscribers.blocking import block_subscriber

pytestmark = pytest.mark.django_db

NUMBER = "+393481234511"
USER_ID = "IT.4491208655302741918"


@pytest.fixture
def citizen(site):
    subscriber = make_subscriber(site, NUMBER, wa_user_id=USER_ID, profile_name="Giulia")
    message = make_message(site, "Quando passa il vetro?", NUMBER, subscriber=subscriber)
    InboundMessage.objects.filter(pk=message.pk).update(wa_user_id=USER_ID)
    make_subscriber(site, "+393331112222")
    return subscriber


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("whatsapp_gdpr", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_to_standard_output_by_number_typed_any_way(citizen):
    out, _err = run("export", "348 123 4511")
    data = json.loads(out)
    assert data["numbers"] == [NUMBER] and data["whatsapp_user_ids"] == [USER_ID]
    assert [message["text"] for message in data["messages"]] == ["Quando passa il vetro?"]
    assert "+393331112222" not in out


def test_export_by_user_id_to_a_file(citizen, tmp_path):
    target = tmp_path / "giulia.json"
    out, err = run("export", USER_ID, "--output", str(target))
    assert out == "" and str(target) in err and NUMBER not in err  # the terminal shows the masked number only
    assert json.loads(target.read_text())["subscribers"][0]["profile_name"] == "Giulia"


def test_erase_with_yes_prints_what_was_erased(citizen):
    block_subscriber(citizen, reason="spam")
    out, _err = run("erase", NUMBER, "--yes")
    assert "Subscriber rows deleted: 1." in out and "Messages deleted: 1." in out
    assert "Consent records anonymised: 2." in out and "stays blocked" in out
    assert not Subscriber.objects.filter(phone_number=NUMBER).exists() and not InboundMessage.objects.exists()
    assert BlockedNumber.objects.count() == 2
    assert ConsentRecord.objects.filter(action="erase").count() == 1


def test_erase_without_a_terminal_and_without_yes_refuses(citizen, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # a pipe, as under cron: never read as an answer
    with pytest.raises(CommandError, match="--yes") as refused:
        run("erase", NUMBER)
    assert refused.value.returncode != 0
    assert Subscriber.objects.filter(phone_number=NUMBER).exists()


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(("answer", "erased"), [("s\n", True), ("n\n", False), ("", False)])
def test_erase_in_a_terminal_asks_first(citizen, monkeypatch, answer, erased):
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    out, _err = run("erase", USER_ID)
    assert Subscriber.objects.filter(phone_number=NUMBER).exists() is not erased
    assert ("Nothing erased." in out) is not erased


@pytest.mark.parametrize("bad", ["12", "Mario Rossi", "+39 348", "US.", ""])
def test_an_invalid_number_is_a_clear_command_error(site, bad):
    with pytest.raises(CommandError, match="neither a valid phone number"):
        run("export", bad)


def test_an_unknown_site_is_a_clear_command_error(citizen):
    with pytest.raises(CommandError, match="No site"):
        run("export", NUMBER, "--site", "altrove.example")
