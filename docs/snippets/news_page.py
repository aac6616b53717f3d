from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from wagtail_whatsapp.models import WhatsAppBroadcastMixin


class NewsPage(WhatsAppBroadcastMixin, Page):
    intro = models.TextField()  # sent under the title (whatsapp_intro_field = "intro")
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("image"),
        *WhatsAppBroadcastMixin.whatsapp_panels,
    ]
