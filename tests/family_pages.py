"""Pages of every kind the template family serves: a text-only notice, a news with an image, a news with a short
video, a PDF notice and an event; and the recommended family put in the fake Graph API's account."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from tests import media_files
from tests.broadcasting import news_page

FAMILY_HANDLES = {"IMAGE": "4::image-handle", "VIDEO": "4::video-handle", "DOCUMENT": "4::pdf-handle"}


def wagtail_image(title="Cantiere"):
    from wagtail.images import get_image_model

    return get_image_model().objects.create(title=title, file=ContentFile(media_files.jpeg((64, 48)), name="foto.jpg"))


def wagtail_document(title, content, name):
    from wagtail.documents import get_document_model

    return get_document_model().objects.create(title=title, file=ContentFile(content, name=name))


def event_page(site, title="Mercatino di Natale", **fields):
    from town.models import EventIndexPage, EventPage

    index = site.root_page.get_children().type(EventIndexPage).first()
    if index is None:
        index = site.root_page.add_child(instance=EventIndexPage(title="Eventi", slug="eventi"))
    start = timezone.now().replace(microsecond=0) + timedelta(days=10)
    page = index.specific.add_child(
        instance=EventPage(
            title=title,
            slug=f"evento-{EventPage.objects.count() + 1}",
            start=start,
            end=start + timedelta(hours=3),
            place="Piazza Municipio",
            intro="Bancarelle e cioccolata calda.",
            **fields,
        )
    )
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def five_kinds(site):
    """``{kind: page}``: text, image, video, document, event."""
    return {
        "text": news_page(site, title="Scadenza TARI"),
        "image": news_page(site, title="Chiusura di via Roma", image=wagtail_image()),
        "video": news_page(
            site, title="Il parco in un video", video=wagtail_document("Parco", media_files.mp4(), "parco.mp4")
        ),
        "document": news_page(
            site, title="Ordinanza fuochi", document=wagtail_document("Ordinanza", media_files.pdf(), "ordinanza.pdf")
        ),
        "event": event_page(site),
    }


def put_recommended_family(fake_graph, site_url="http://testserver"):
    """The recommended family, approved, in the fake account (as if Meta had reviewed it)."""
    from wagtail_whatsapp.outbound.recommended_family import recommended_family

    for template in recommended_family(site_url, header_handles=FAMILY_HANDLES):
        fake_graph.add_template(
            template.name,
            template.language,
            template.components,
            category=template.category,
            parameter_format=template.parameter_format,
        )
