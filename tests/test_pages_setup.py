import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from tests.pages_helpers import configure
from wagtail_whatsapp.models import (
    WhatsAppArchivePage,
    WhatsAppPolicyPage,
    WhatsAppPrivacyPage,
    WhatsAppSettings,
    WhatsAppSubscribePage,
)
from wagtail_whatsapp.pages.default_texts import MODERATION_RULES

PAGE_MODELS = [WhatsAppPolicyPage, WhatsAppPrivacyPage, WhatsAppSubscribePage, WhatsAppArchivePage]


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("pk", "path", "title", "live", "latest_revision_id")),
        "revisions": Revision.objects.count(),
    }


@pytest.fixture
def town(site):
    configure(site)
    return site


def test_setup_creates_published_pages_under_the_root_and_points_the_settings_at_them(town):
    call_command("whatsapp_setup")

    root = town.root_page
    for model in PAGE_MODELS:
        page = model.objects.get()
        assert page.get_parent().pk == root.pk
        assert page.live and page.live_revision_id is not None
    settings = WhatsAppSettings.for_site(town)
    assert settings.policy_page_id == WhatsAppPolicyPage.objects.get().pk
    assert settings.privacy_page_id == WhatsAppPrivacyPage.objects.get().pk


def test_setup_twice_gives_the_same_pages_and_revisions(town):
    call_command("whatsapp_setup")
    first = snapshot()
    settings_before = WhatsAppSettings.objects.values().get()

    call_command("whatsapp_setup")

    assert snapshot() == first
    assert WhatsAppSettings.objects.values().get() == settings_before


def test_setup_leaves_an_edited_page_alone(town):
    call_command("whatsapp_setup")
    policy = WhatsAppPolicyPage.objects.get()
    policy.body = "<p>Il nostro testo.</p>"
    policy.save_revision().publish()

    call_command("whatsapp_setup")

    assert WhatsAppPolicyPage.objects.get().body == "<p>Il nostro testo.</p>"


def test_setup_keeps_the_pages_the_settings_already_point_at(town):
    call_command("whatsapp_setup", "--no-archive")
    assert not WhatsAppArchivePage.objects.exists()
    # A town that moved its policy page elsewhere in the tree keeps it. (The home page is read again: the command
    # gave it children, and treebeard 4, Wagtail 7's, trusts the child count of the instance it is given.)
    home = Page.objects.get(pk=town.root_page_id)
    other_parent = home.add_child(instance=Page(title="Servizi", slug="servizi"))
    WhatsAppPolicyPage.objects.get().move(other_parent, pos="last-child")

    call_command("whatsapp_setup")

    assert WhatsAppPolicyPage.objects.count() == 1
    assert WhatsAppArchivePage.objects.count() == 1


def test_setup_avoids_a_slug_the_site_already_uses(town):
    town.root_page.add_child(instance=Page(title="Privacy", slug="whatsapp-privacy"))

    call_command("whatsapp_setup")

    assert WhatsAppPrivacyPage.objects.get().slug == "whatsapp-privacy-2"


def test_setup_for_an_unknown_site_is_a_clear_error(town):
    with pytest.raises(CommandError, match="No site with ID 999"):
        call_command("whatsapp_setup", "--site", "999")


def test_default_policy_covers_every_promise_of_the_service(town):
    call_command("whatsapp_setup")
    text = WhatsAppPolicyPage.objects.get()
    body = text.summary + text.body
    for promise in [
        "pubblica utilità",  # 1 purpose
        "+39 035 123 4567",  # 2 joining: the number
        "«Esempio Informa»",  # 2 suggested contact name
        "<b>ISCRIVIMI</b>",  # 2 the keyword
        "messaggio di benvenuto",  # 3 welcome
        "informativa sulla privacy",  # 3 links to both texts
        "non risponde a messaggi",  # 4 one-way
        "protocollo@comune.esempio.it",  # 4 the usual channels
        "broadcast",  # 5
        "<b>CANCELLAMI</b>",  # 6 leaving
        "immagini e brevi video",  # 7 content
        "soltanto per questo servizio",  # 8 use of contacts
        "gratuito",  # 8
        "bloccato",  # 10 sanctions
        "autorità giudiziaria",  # 10
    ]:
        assert promise in body, promise
    for rule in MODERATION_RULES:  # 9, the full list
        assert rule.replace("'", "&#x27;") in body or rule in body, rule
    assert text.version_label == "1.0" and text.effective_date is not None


def test_default_privacy_notice_names_everything_the_law_asks(town):
    call_command("whatsapp_setup")
    page = WhatsAppPrivacyPage.objects.get()
    body = page.summary + page.body
    for point in [
        "Titolare del trattamento",
        "Comune di Esempio",
        "Avv. Maria Rossi",  # DPO
        "numero di telefono",
        "nome del tuo profilo WhatsApp",
        "Perché li trattiamo",
        "art. 6, paragrafo 1, lettera a",
        "fino alla tua cancellazione",
        "Chi riceve i dati",
        "WhatsApp Ireland Limited",
        "I tuoi diritti",
        "Come esercitarli",
        "comune.esempio@pec.esempio.it",
    ]:
        assert point in body, point


def test_setup_writes_generic_contacts_when_the_town_has_none(site):
    call_command("whatsapp_setup")
    assert "i recapiti pubblicati sul sito del Comune" in WhatsAppPolicyPage.objects.get().body


def test_each_site_gets_its_own_pages_with_absolute_urls_on_its_own_host(town):
    from wagtail.models import Site

    from town.models import HomePage

    other_home = Page.get_first_root_node().add_child(instance=HomePage(title="Comune di Altrove", slug="altrove"))
    other = Site.objects.create(hostname="altrove.example", port=80, root_page=other_home, site_name="Altrove")
    configure(other, display_number="+39 035 999 9999", town_name="Comune di Altrove")

    call_command("whatsapp_setup", "--site", str(town.pk))
    call_command("whatsapp_setup", "--site", str(other.pk))

    expected = [(town, "testserver", "+39 035 123 4567"), (other, "altrove.example", "+39 035 999 9999")]
    for site, host, number in expected:
        settings = WhatsAppSettings.for_site(site)
        # What the welcome message links: the site's own pages, as absolute URLs on the site's own host.
        for page in (settings.policy_page, settings.privacy_page):
            assert page.get_site().pk == site.pk
            assert page.full_url.startswith(f"http://{host}/")
        assert number in settings.policy_page.specific.body
    assert WhatsAppPolicyPage.objects.count() == 2


def test_default_privacy_notice_says_what_is_kept_how_long_and_what_erasure_leaves(town):
    wa_settings = WhatsAppSettings.for_site(town)
    wa_settings.inbox_retention_days, wa_settings.delivery_retention_days = 21, 120
    wa_settings.save()
    call_command("whatsapp_setup")
    body = WhatsAppPrivacyPage.objects.get().body
    for point in [
        "identificativo utente WhatsApp",
        "21 giorni",  # the site's own retention settings, not the defaults
        "120 giorni",
        "Se chiedi la cancellazione dei tuoi dati",
        "nessuna vecchia lista",  # the opt-out outlives erasure
        "nuova iscrizione",  # and the citizen's own ISCRIVIMI clears it
        "mantenere il blocco",
    ]:
        assert point in body, point
