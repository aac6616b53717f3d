"""The archive and its RSS feed as a citizen without WhatsApp reads them (issue 16): WhatsApp's *bold* markers
rendered, not shown raw; a page sent twice listed once, at its latest sending."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Page

from tests.pages_helpers import configure
from wagtail_whatsapp.models import Broadcast, WhatsAppArchivePage


@pytest.fixture
def town(site):
    configure(site)
    call_command("whatsapp_setup")
    return site


def sent(site, title, *, page=None, message=None, days_ago=0, status=Broadcast.Status.DONE):
    broadcast = Broadcast.objects.create(
        site=site, page=page, title=title, message=message or title, status=status, url=page.full_url if page else ""
    )
    Broadcast.objects.filter(pk=broadcast.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return broadcast


def feed_items(client, archive):
    response = client.get(archive.feed_url())
    assert response.status_code == 200
    channel = ElementTree.fromstring(response.content).find("channel")  # noqa: S314 (our own feed, in a test)
    items = channel.findall("item")
    return [(item.findtext("title"), item.findtext("description"), item.findtext("guid")) for item in items]


def test_the_feed_renders_whatsapp_formatting(town, client):
    sent(town, "Via Roma", message="*Via Roma chiusa* _da lunedì_ ~martedì~\nDettagli: https://comune.example/a_b_c")
    archive = WhatsAppArchivePage.objects.get()

    [(title, description, _guid)] = feed_items(client, archive)

    assert title == "Via Roma"
    assert "*" not in description and "~" not in description and "_da" not in description
    assert "<strong>Via Roma chiusa</strong>" in description
    assert "<em>da lunedì</em>" in description and "<s>martedì</s>" in description
    assert "<br>" in description
    assert '<a href="https://comune.example/a_b_c"' in description  # underscores in a link are not italics


def test_the_feed_escapes_what_citizens_should_not_get_as_html(town, client):
    sent(town, "Avviso", message="<script>alert(1)</script> *ok*")
    archive = WhatsAppArchivePage.objects.get()
    [(_title, description, _guid)] = feed_items(client, archive)
    assert "<script>" not in description and "&lt;script&gt;" in description


def test_a_page_sent_twice_is_listed_once_at_its_latest_sending(town, client):
    # Read fresh: the fixture added pages under it since, and treebeard 4 (Wagtail 7) places a child by the count it
    # holds in memory.
    home = Page.objects.get(pk=town.root_page_id)
    news = home.add_child(instance=Page(title="Raccolta rifiuti", slug="rifiuti"))
    home.refresh_from_db()
    other = home.add_child(instance=Page(title="Mercato", slug="mercato"))
    first = sent(town, "Raccolta rifiuti", page=news, days_ago=5)
    sent(town, "Mercato", page=other, days_ago=3)
    again = sent(town, "Raccolta rifiuti (corretto)", page=news, days_ago=1)
    sent(town, "Raccolta rifiuti (annullato)", page=news, status=Broadcast.Status.CANCELLED)
    gone = sent(town, "Pagina cancellata", days_ago=2)  # its page was deleted: no page to group by
    twin = sent(town, "Pagina cancellata", days_ago=2)
    archive = WhatsAppArchivePage.objects.get()

    response = client.get(archive.url)
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count("Raccolta rifiuti") == 1 and "Raccolta rifiuti (corretto)" in html
    assert "(annullato)" not in html
    assert html.count("Pagina cancellata") == 2
    assert html.index("(corretto)") < html.index("Pagina cancellata") < html.index("Mercato")
    guids = [guid for _title, _description, guid in feed_items(client, archive)]
    assert f"#broadcast-{again.pk}" in " ".join(guids) and f"#broadcast-{first.pk}" not in " ".join(guids)
    assert len(guids) == 4 and {f"#broadcast-{gone.pk}", f"#broadcast-{twin.pk}"} <= {g[g.index("#") :] for g in guids}
