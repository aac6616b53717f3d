"""``manage.py whatsapp_broadcast``: the same broadcast from a shell, with confirmation and a progress bar."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.broadcasting import news_page, subscribers
from wagtail_whatsapp.models import Broadcast

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Terminal(StringIO):
    def isatty(self):
        return True


def test_asks_first_showing_the_count_and_sends_nothing_on_no(site, test_backend, monkeypatch):
    subscribers(site, 3, in_window=3)
    page = news_page(site)
    questions = []
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: questions.append(prompt) or "n")
    out = StringIO()
    call_command("whatsapp_broadcast", page.pk, stdout=out)
    assert questions == ["Send to 3 subscribers? [y/N] "]
    assert "Nothing sent." in out.getvalue()
    assert not Broadcast.objects.exists() and test_backend.sent == []


def test_without_a_terminal_nor_yes_it_stops_with_a_clear_message(site, test_backend, monkeypatch):
    """cron and CI: stdin is not a terminal; the command must not crash on the question (issue 13, point 13)."""
    subscribers(site, 2, in_window=2)
    page = news_page(site)
    monkeypatch.setattr("sys.stdin", StringIO(""))
    with pytest.raises(CommandError, match="no terminal.*--yes") as refused:
        call_command("whatsapp_broadcast", page.pk, stdout=StringIO())
    assert refused.value.returncode != 0
    assert not Broadcast.objects.exists() and test_backend.sent == []


def test_an_answer_cut_short_sends_nothing(site, test_backend, monkeypatch):
    subscribers(site, 2, in_window=2)
    page = news_page(site)
    monkeypatch.setattr("sys.stdin", Terminal())  # a terminal closed (Ctrl-D) before the answer
    with pytest.raises(CommandError, match="no answer"):
        call_command("whatsapp_broadcast", page.pk, stdout=StringIO())
    assert not Broadcast.objects.exists()


def test_yes_and_wait_sends_and_prints_the_counts(site, test_backend):
    subscribers(site, 4, in_window=4)
    page = news_page(site)
    out = StringIO()
    call_command("whatsapp_broadcast", page.pk, "--yes", "--wait", "--interval", "0.05", stdout=out)
    output = out.getvalue()
    assert "→ 4 subscribers" in output and "0 with the template, 4 free-form" in output
    assert "[" + "#" * 30 + "] 100.0%" in output
    assert "Done: 4 recipients, 4 sent" in output
    assert len(test_backend.sent) == 4
    assert Broadcast.objects.get().status == Broadcast.Status.DONE


def test_refuses_with_the_reason(site, test_backend):
    subscribers(site, 2, in_window=0)
    page = news_page(site)
    with pytest.raises(CommandError, match="no approved template"):
        call_command("whatsapp_broadcast", page.pk, "--yes", stdout=StringIO())
    with pytest.raises(CommandError, match="No page with id"):
        call_command("whatsapp_broadcast", 999999, "--yes", stdout=StringIO())
