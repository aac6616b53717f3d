"""Pages of the fictional "Comune di Esempio": home, news and events, as a town's site would have them."""

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from wagtail_whatsapp.models import WhatsAppBroadcastMixin, WhatsAppEventBroadcastMixin


class HomePage(Page):
    intro = RichTextField("introduzione", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = [
        "town.NewsIndexPage",
        "town.EventIndexPage",
        "wagtailcore.Page",
        # The WhatsApp service's public pages (made by `whatsapp_setup`; editors may add others by hand).
        "wagtail_whatsapp.WhatsAppPolicyPage",
        "wagtail_whatsapp.WhatsAppPrivacyPage",
        "wagtail_whatsapp.WhatsAppSubscribePage",
        "wagtail_whatsapp.WhatsAppArchivePage",
    ]

    class Meta:
        verbose_name = "home page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_news"] = NewsPage.objects.live().public().descendant_of(self).order_by("-date", "-pk")[:3]
        context["upcoming_events"] = (
            EventPage.objects.live().public().descendant_of(self).filter(end__gte=timezone.now()).order_by("start")[:3]
        )
        return context


class ListingPage(Page):
    """An index that lists its children, newest first, ten per page."""

    intro = RichTextField("introduzione", blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    listed_model = None
    ordering = ()

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        items = self.listed_model.objects.live().public().child_of(self).order_by(*self.ordering)
        context["items"] = Paginator(items, 10).get_page(request.GET.get("pagina"))
        return context


class NewsIndexPage(ListingPage):
    subpage_types = ["town.NewsPage"]
    parent_page_types = ["town.HomePage"]
    ordering = ("-date", "-pk")

    class Meta:
        verbose_name = "elenco notizie"

    @property
    def listed_model(self):
        return NewsPage


class NewsPage(WhatsAppBroadcastMixin, Page):
    date = models.DateField("data", default=timezone.localdate)
    intro = models.TextField("sommario", max_length=400, help_text="Due o tre frasi: è il testo che apre la notizia.")
    body = RichTextField("testo", blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="immagine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    video = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name="video",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Un breve video MP4 (H.264 con audio AAC, al massimo 16 MB).",
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name="documento PDF",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Un avviso o un'ordinanza in PDF: su WhatsApp arriva come documento allegato.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("image"), FieldPanel("video"), FieldPanel("document")], heading="Immagine, video e documento"
        ),
        *WhatsAppBroadcastMixin.whatsapp_panels,
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["town.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "notizia"
        verbose_name_plural = "notizie"


class EventIndexPage(ListingPage):
    subpage_types = ["town.EventPage"]
    parent_page_types = ["town.HomePage"]
    ordering = ("start", "pk")

    class Meta:
        verbose_name = "elenco eventi"

    @property
    def listed_model(self):
        return EventPage


class EventPage(WhatsAppEventBroadcastMixin, Page):
    start = models.DateTimeField("inizio")
    end = models.DateTimeField("fine")
    place = models.CharField("luogo", max_length=255)
    intro = models.TextField("sommario", max_length=400)
    body = RichTextField("testo", blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="immagine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    video = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name="video",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Un breve video MP4 (H.264 con audio AAC, al massimo 16 MB).",
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("start"), FieldPanel("end"), FieldPanel("place")], heading="Quando e dove"),
        FieldPanel("intro"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("video")], heading="Immagine e video"),
        *WhatsAppBroadcastMixin.whatsapp_panels,
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("place")]
    parent_page_types = ["town.EventIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "evento"
        verbose_name_plural = "eventi"

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "La fine non può precedere l'inizio."})
