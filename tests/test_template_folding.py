"""The editor's WhatsApp text folded into a template parameter: one line, visible separators, cut at a word with
"…" and the page's link kept; the whole body within Meta's 1,024 characters."""

import pytest

from tests.broadcasting import approved_template, news_page, subscribers
from wagtail_whatsapp.outbound.folding import fold, is_valid_parameter, single_line
from wagtail_whatsapp.outbound.plan import plan_broadcast
from wagtail_whatsapp.outbound.template_checks import rendered_body

URL = "https://www.comune.example/notizie/chiusura/"
NEWS_TEXT = [
    {"type": "BODY", "text": "Novità da {{servizio}}:\n\n{{testo}}\n\nGrazie per l'attenzione."},
    {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Leggi", "url": "http://testserver/{{1}}"}]},
]


def test_paragraphs_and_lines_get_visible_separators_and_no_forbidden_whitespace():
    text = "*Chiusura*\n\nVia Roma chiusa.\tDa lunedì      a venerdì.\nOrari: 8-17\n\n\n" + URL
    line = single_line(text)
    assert line == f"*Chiusura* — Via Roma chiusa. Da lunedì a venerdì. · Orari: 8-17 — {URL}"
    assert is_valid_parameter(line) and not is_valid_parameter(text)


def test_a_long_text_is_cut_at_a_word_with_an_ellipsis_and_keeps_the_link():
    text = "Lavori " * 200 + "\n\n" + URL
    folded = fold(text, 300, keep=URL)
    assert len(folded) <= 300 and folded.endswith(f"… {URL}")
    assert folded.startswith("Lavori Lavori") and "Lavor…" not in folded  # whole words only


def test_a_short_text_is_left_whole():
    assert fold("Uno\n\nDue", 100, keep=URL) == "Uno — Due"


@pytest.mark.django_db
def test_the_template_body_carries_the_editors_text_within_1024_characters(site):
    template = approved_template(site, components=NEWS_TEXT, parameter_format="NAMED")
    subscribers(site, 2, in_window=0)
    long_text = "\n\n".join(f"Paragrafo {n}: " + "parole dell'avviso " * 12 for n in range(12))
    page = news_page(site, whatsapp_message_override=long_text[:975])  # with the link: just under 1,024
    plan = plan_broadcast(page)
    assert plan.template == template and not plan.problems
    values = {item["name"]: item["text"] for item in plan.template_spec["body"]}
    assert values["testo"].startswith("Paragrafo 0: parole dell'avviso") and " — Paragrafo 1: " in values["testo"]
    assert values["testo"].endswith(f"… {page.full_url}")  # cut, and the link kept
    assert len(rendered_body(template, plan.template_spec)) <= 1024
    assert all(is_valid_parameter(value) for value in values.values())


@pytest.mark.django_db
def test_the_confirmation_page_shows_both_versions_side_by_side(client, sender, site, broadcast_engine):
    approved_template(site, components=NEWS_TEXT, parameter_format="NAMED")
    subscribers(site, 2, in_window=1)
    page = news_page(site, whatsapp_message_override="Via Roma chiusa.\n\nDa lunedì a venerdì.")
    client.force_login(sender)
    html = client.get(f"/admin/whatsapp/pages/{page.pk}/send/").content.decode()
    inside = html[html.index("data-whatsapp-preview") : html.index("data-template-preview")]
    outside = html[html.index("data-template-preview") :]
    assert "Via Roma chiusa.<br><br>Da lunedì a venerdì." in inside
    assert "Novità da" in outside and "Via Roma chiusa. — Da lunedì a venerdì." in outside
    assert "Grazie per l&#x27;attenzione." in outside or "Grazie per l'attenzione." in outside
