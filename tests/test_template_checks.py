"""Parameters checked against the synced template before the first Graph call: the plan, the test send and the
sender refuse with the reason, instead of Meta failing every citizen with 132000/132012."""

import pytest

from tests.broadcasting import approved_template, news_page, subscribers
from wagtail_whatsapp.models import Broadcast, Delivery, MessageTemplate
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import BroadcastRefused, send_test_message, start_broadcast
from wagtail_whatsapp.outbound.template_checks import problems

pytestmark = pytest.mark.django_db

NEWS = [
    {"type": "BODY", "text": "Novità da {{servizio}}:\n\n{{testo}}\n\nGrazie."},
    {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Leggi", "url": "http://testserver/{{1}}"}]},
]
SPEC = {
    "header": "",
    "header_text": None,
    "named": True,
    "body": [{"name": "servizio", "text": "Esempio"}, {"name": "testo", "text": "Via Roma chiusa"}],
    "buttons": [{"index": "0", "text": "notizie/via-roma/"}],
}


def template(components=NEWS):
    return MessageTemplate(name="comune_avviso", language="it", parameter_format="NAMED", components=components)


def test_a_spec_that_fits_has_no_problem():
    assert problems(template(), SPEC) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"body": SPEC["body"][:1]}, "expects 2 values in its text; the message gives 1"),
        ({"body": [SPEC["body"][0], {"name": "testo", "text": "riga\nriga"}]}, "holds a line break"),
        ({"body": [SPEC["body"][0], {"name": "testo", "text": "x" * 1100}]}, "longer than 1,024 characters"),
        ({"buttons": []}, "link buttons"),
        ({"header": "image"}, "has no media header"),
    ],
)
def test_what_meta_would_refuse_is_named(change, expected):
    found = problems(template(), {**SPEC, **change})
    assert any(expected in str(problem) for problem in found), found


def test_a_media_header_without_its_media_is_a_problem():
    image_template = template([{"type": "HEADER", "format": "IMAGE"}, *NEWS])
    found = problems(image_template, {**SPEC, "header": "image"}, media={})
    assert any("needs an image" in str(problem) for problem in found)
    assert problems(image_template, {**SPEC, "header": "image"}, media={"type": "image", "source_id": 1}) == []


def test_the_sender_refuses_before_the_first_call_when_the_template_changed(site, fake_graph):
    """Meta's template was edited after the broadcast started (a sync brought a new body): nothing is sent."""
    stored = approved_template(site, components=NEWS, parameter_format="NAMED")
    fake_graph.add_stored_template(stored)
    subscribers(site, 3, in_window=0)
    broadcast = start_broadcast(news_page(site))
    stored.components = [{"type": "BODY", "text": "{{servizio}}: {{testo}} ({{data}})"}]
    stored.save()
    assert not sending.send_broadcast(broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.FAILED
    assert "expects 3 values in its text; the message gives 2" in broadcast.status_reason
    assert not [request for request in fake_graph.requests if request.path.endswith("/messages")]
    assert not Delivery.objects.filter(status=Delivery.Status.FAILED).exists()


def test_the_test_send_is_refused_with_the_reason(site, test_backend):
    approved_template(site, components=[{"type": "BODY", "text": "Avviso: {{testo}} {{codice_ignoto}}"}])
    with pytest.raises(BroadcastRefused):
        send_test_message(news_page(site), "+39 333 000 0001")
    assert test_backend.sent == []
