"""Done when: every kind of page reaches citizens outside the 24-hour window, through the fake Graph API that checks
each template message against its template as Meta does, with the right header and zero template errors."""

import pytest

from tests.broadcasting import subscribers
from tests.family_pages import five_kinds, put_recommended_family
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.models import Delivery
from wagtail_whatsapp.outbound import send_failures
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.broadcasts import start_broadcast
from wagtail_whatsapp.outbound.templates import sync_templates

pytestmark = pytest.mark.django_db

EXPECTED = {
    "text": ("comune_avviso", None),
    "image": ("comune_notizia_immagine", "image"),
    "video": ("comune_notizia_video", "video"),
    "document": ("comune_avviso_documento", "document"),
    "event": ("comune_evento", None),
}


@pytest.fixture
def fast(settings, fake_graph, monkeypatch):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "MESSAGES_PER_SECOND": 2000}
    monkeypatch.setattr(send_failures, "BACKOFF_BASE", 0.05)
    return fake_graph


def header_of(body):
    headers = [c for c in body["template"].get("components", []) if c["type"] == "header"]
    return headers[0]["parameters"][0]["type"] if headers else None


def test_a_demo_of_five_kinds_reaches_every_subscriber_outside_the_window(site, fast):
    fast.templates = []  # the account holds the recommended family only, synced as a town would
    put_recommended_family(fast)
    backend = get_backend()
    sync_templates(backend=backend, waba_id="102290129340398")
    backend.close()
    subscribers(site, 4, in_window=0)
    pages = five_kinds(site)

    for kind, page in pages.items():
        broadcast = start_broadcast(page)
        assert broadcast.template.name == EXPECTED[kind][0], kind
        assert sending.send_broadcast(broadcast.pk)

    assert sum(fast.errors.values()) == 0, fast.errors
    by_template = {}
    for accepted in fast.accepted:
        assert accepted.body["type"] == "template"
        by_template.setdefault(accepted.body["template"]["name"], []).append(accepted.body)
    for kind, (name, header) in EXPECTED.items():
        bodies = by_template[name]
        assert len(bodies) == 4 and {header_of(body) for body in bodies} == {header}, kind
    document = by_template["comune_avviso_documento"][0]["template"]["components"][0]["parameters"][0]["document"]
    assert document["filename"] == "Ordinanza.pdf" and document["id"]
    event_values = {
        p["parameter_name"]: p["text"]
        for c in by_template["comune_evento"][0]["template"]["components"]
        if c["type"] == "body"
        for p in c["parameters"]
    }
    assert event_values["luogo"] == "Piazza Municipio" and event_values["ora"].count(":") == 2
    assert "Piazza Municipio" not in event_values["testo"]  # said once, in its own line of the template
    assert Delivery.objects.filter(status=Delivery.Status.FAILED).count() == 0


def test_the_fake_refuses_what_does_not_fit_the_template_as_meta_does(fast):
    """The fake itself: the checks that make the test above mean something."""
    from wagtail_whatsapp.backends.base import TemplateParameters, WhatsAppError

    put_recommended_family(fast)
    backend = get_backend()
    named = {"servizio": "Esempio Informa", "testo": "Avviso"}
    cases = [
        (TemplateParameters(body=named, url_button_suffixes=("notizie/",)), 132012),  # image header without image
        (TemplateParameters(header_media_type="image", header_media_id="1", body={"testo": "x"}), 132000),
        (TemplateParameters(header_media_type="image", header_media_id="1", body=named), 132000),  # no button
        (
            TemplateParameters(
                header_media_type="image",
                header_media_id="1",
                body={**named, "testo": "riga uno\nriga due"},
                url_button_suffixes=("notizie/",),
            ),
            132018,
        ),
    ]
    for parameters, code in cases:
        with pytest.raises(WhatsAppError) as error:
            backend.send_template("393330000001", "comune_notizia_immagine", "it", parameters)
        assert error.value.code == code
    good = TemplateParameters(
        header_media_type="image", header_media_id="1", body=named, url_button_suffixes=("notizie/",)
    )
    assert backend.send_template("393330000001", "comune_notizia_immagine", "it", good).wamid
    with pytest.raises(WhatsAppError) as error:
        backend.send_template("393330000001", "non_esiste", "it", good)
    assert error.value.code == 132001
    backend.close()
