"""Fill the example site with a town's home page, news and events. Safe to run again: nothing is duplicated."""

import io
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from town import demo_media, demo_whatsapp
from town.models import EventIndexPage, EventPage, HomePage, NewsIndexPage, NewsPage
from wagtail_whatsapp.models import WhatsAppSettings
from wagtail_whatsapp.pages.setup import ensure_pages

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 (the demo's documented login)

NEWS = [
    {
        "slug": "chiusura-via-roma",
        "title": "Chiusura di via Roma per lavori all'acquedotto",
        "days_ago": 1,
        "intro": "Da lunedì a venerdì via Roma resterà chiusa al traffico tra piazza Municipio e via Dante "
        "per la sostituzione delle tubature dell'acquedotto.",
        "body": "<p>I lavori si svolgeranno dalle 8 alle 17. I residenti potranno raggiungere le abitazioni "
        "a piedi; il percorso alternativo per i veicoli passa da via Garibaldi, con senso unico alternato "
        "regolato da semaforo.</p><p>Il servizio di raccolta rifiuti non subirà variazioni.</p>",
        "image": True,
    },
    {
        "slug": "scadenza-tari",
        "title": "TARI 2026: la prima rata scade il 16 dicembre",
        "days_ago": 3,
        "intro": "Gli avvisi di pagamento della tassa sui rifiuti sono in consegna. Chi non lo ricevesse può "
        "scaricarlo dallo sportello online o chiederlo all'Ufficio tributi.",
        "body": "<p>L'Ufficio tributi è aperto il martedì e il giovedì dalle 9 alle 12. Per informazioni: "
        "tributi@comune.esempio.it, telefono 035 000 0001.</p>",
        "image": False,
    },
    {
        "slug": "allerta-neve",
        "title": "Allerta neve: scuole aperte, attenzione sulle strade",
        "days_ago": 6,
        "intro": "Per la notte sono previste nevicate deboli. I mezzi spazzaneve del Comune sono pronti; "
        "si raccomanda di usare pneumatici invernali o catene.",
        "body": "<p>In caso di emergenza chiamare il 112. Per segnalare strade non percorribili: "
        "polizia locale, 035 000 0002.</p>",
        "image": False,
    },
    {
        "slug": "video-parco-giochi",
        "title": "Il nuovo parco giochi di via Verdi in un video",
        "days_ago": 8,
        "intro": "Altalene, scivoli e giochi accessibili a tutti i bambini: guardate il video del parco "
        "che apre sabato mattina.",
        "body": "<p>Il parco è aperto tutti i giorni dalle 8 alle 20.</p>",
        "video": True,
    },
    {
        "slug": "ordinanza-fuochi",
        "title": "Ordinanza: divieto di fuochi d'artificio a Capodanno",
        "days_ago": 10,
        "intro": "Dal 31 dicembre al 1° gennaio è vietato accendere fuochi d'artificio nelle vie e nelle piazze del "
        "centro. Il testo dell'ordinanza è allegato.",
        "body": "<p>Chi non rispetta il divieto rischia una sanzione da 25 a 500 euro.</p>",
        "document": True,
    },
]

EVENTS = [
    {
        "slug": "mercatino-di-natale",
        "title": "Mercatino di Natale in piazza",
        "in_days": 10,
        "hours": (9, 19),
        "place": "Piazza Municipio",
        "intro": "Bancarelle di artigiani e produttori locali, la casetta di Babbo Natale e cioccolata calda "
        "offerta dalla Pro Loco.",
        "body": "<p>L'ingresso è libero. In caso di maltempo il mercatino si sposta sotto i portici.</p>",
    },
    {
        "slug": "consiglio-comunale",
        "title": "Consiglio comunale aperto sul bilancio",
        "in_days": 17,
        "hours": (20, 22),
        "place": "Sala consiliare, Palazzo municipale",
        "intro": "Il Consiglio comunale presenta il bilancio di previsione e risponde alle domande dei cittadini.",
        "body": "<p>La seduta è pubblica e trasmessa in diretta sul sito del Comune.</p>",
    },
]


WHATSAPP_DEMO_SETTINGS = {
    "service_name": "Esempio Informa",
    "display_number": "+39 035 000 0000",
    "town_name": "Comune di Esempio",
    "town_address": "Piazza Municipio 1, 24000 Esempio (BG)",
    "contact_phone": "035 000 0000",
    "contact_email": "protocollo@comune.esempio.it",
    "contact_pec": "comune.esempio@pec.esempio.it",
    "contact_page_url": "https://www.comune.esempio.it/contatti/",
    "dpo_contact": "Avv. Maria Rossi, dpo@comune.esempio.it",
}


def demo_image(title):
    canvas = PILImage.new("RGB", (1200, 630), (10, 77, 140))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 520, 1200, 630), fill=(242, 169, 0))
    draw.text((60, 240), title, fill=(255, 255, 255), font_size=56)
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=85)
    return ImageFile(buffer, name="demo-via-roma.jpg")


class Command(BaseCommand):
    help = "Create the example town's pages and admin user (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        home = self.home_page()
        self.news(home)
        self.events(home)
        self.whatsapp(home)
        admin = self.admin_user()
        demo_whatsapp.load(
            Site.objects.get(root_page=home), NewsPage.objects.order_by("-date", "-pk").first(), admin, self.stdout
        )
        self.stdout.write(self.style.SUCCESS("Contenuti di esempio pronti."))
        self.stdout.write(f"Admin: http://127.0.0.1:8000/admin/  utente: {ADMIN_USERNAME}  password: {ADMIN_PASSWORD}")

    def home_page(self):
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            # Wagtail's "Welcome" page holds the slug "home": it makes way for the town's home page.
            for placeholder in root.get_children().filter(slug="home"):
                if placeholder.specific_class is Page:
                    placeholder.delete()
            root.refresh_from_db()  # its child count changed; treebeard 4 (Wagtail 7) would add after a deleted child
            home = root.add_child(
                instance=HomePage(
                    title="Comune di Esempio",
                    slug="home",
                    intro="<p>Benvenuti sul sito del Comune di Esempio: notizie, avvisi ed eventi del paese.</p>",
                )
            )
        # Absolute links in WhatsApp messages must open the demo server.
        wanted = {"hostname": "127.0.0.1", "port": 8000, "root_page": home, "site_name": "Comune di Esempio"}
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(is_default_site=True, **wanted)
        elif any(getattr(site, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(site, name, value)
            site.save()
        return home

    def index(self, home, model, slug, title, intro):
        existing = model.objects.child_of(home).filter(slug=slug).first()
        if existing:
            return existing
        return home.add_child(instance=model(title=title, slug=slug, intro=intro, show_in_menus=True))

    def news(self, home):
        index = self.index(home, NewsIndexPage, "notizie", "Notizie", "<p>Avvisi e notizie dal Comune.</p>")
        for item in NEWS:
            if NewsPage.objects.filter(slug=item["slug"]).exists():
                continue
            page = NewsPage(
                title=item["title"],
                slug=item["slug"],
                date=date.today() - timedelta(days=item["days_ago"]),
                intro=item["intro"],
                body=item["body"],
                image=self.image(item["title"]) if item.get("image") else None,
                video=self.document(item["title"], "video.mp4", demo_media.mp4()) if item.get("video") else None,
                document=(
                    self.document(item["title"], "ordinanza.pdf", demo_media.pdf(item["title"]))
                    if item.get("document")
                    else None
                ),
            )
            index.add_child(instance=page)
            page.save_revision().publish()

    def events(self, home):
        index = self.index(home, EventIndexPage, "eventi", "Eventi", "<p>Appuntamenti in paese.</p>")
        tz = timezone.get_current_timezone()
        for item in EVENTS:
            if EventPage.objects.filter(slug=item["slug"]).exists():
                continue
            day = date.today() + timedelta(days=item["in_days"])
            start_hour, end_hour = item["hours"]
            page = EventPage(
                title=item["title"],
                slug=item["slug"],
                start=datetime.combine(day, time(start_hour), tzinfo=tz),
                end=datetime.combine(day, time(end_hour), tzinfo=tz),
                place=item["place"],
                intro=item["intro"],
                body=item["body"],
            )
            index.add_child(instance=page)
            page.save_revision().publish()

    def whatsapp(self, home):
        # Fill only empty fields, so that what a tester changed in the admin survives a second run.
        site = Site.objects.get(root_page=home)
        settings = WhatsAppSettings.for_site(site)
        changed = False
        for name, value in WHATSAPP_DEMO_SETTINGS.items():
            if not getattr(settings, name):
                setattr(settings, name, value)
                changed = True
        if changed:
            settings.save()
        # The policy, privacy, subscribe and archive pages, as `manage.py whatsapp_setup` creates them.
        ensure_pages(site)

    def document(self, title, file_name, content):
        document_model = get_document_model()
        existing = document_model.objects.filter(title=title).first()
        return existing or document_model.objects.create(title=title, file=ContentFile(content, name=file_name))

    def image(self, title):
        image_model = get_image_model()
        existing = image_model.objects.filter(title=title).first()
        return existing or image_model.objects.create(title=title, file=demo_image(title))

    def admin_user(self):
        user_model = get_user_model()
        admin = user_model.objects.filter(username=ADMIN_USERNAME).first()
        return admin or user_model.objects.create_superuser(ADMIN_USERNAME, "admin@comune.esempio.it", ADMIN_PASSWORD)
