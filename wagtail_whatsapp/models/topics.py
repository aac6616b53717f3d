"""A site's topics ("Viabilità", "Eventi") and places (hamlets, "frazioni"): what citizens may choose to receive.

Edited in Settings → WhatsApp (an inline panel, in order). A citizen's choices are ``Subscriber.topics``; a page's
are ``WhatsAppBroadcastMixin.whatsapp_topics``; outbound/targeting.py says who receives what. Without a choice a
citizen receives everything, so nobody loses news when a town adds topics.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable

# Meta's limit for a row's title in an interactive list message: the name is what the citizen reads there.
MAX_NAME = 24


class Topic(Orderable):
    class Kind(models.TextChoices):
        TOPIC = "topic", _("Topic")
        PLACE = "place", _("Place (hamlet)")

    settings = ParentalKey(
        "wagtail_whatsapp.WhatsAppSettings", verbose_name=_("settings"), on_delete=models.CASCADE, related_name="topics"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TOPIC)
    name = models.CharField(
        _("name"), max_length=MAX_NAME, help_text=_("What citizens read in the list, e.g. “Eventi” or “Sellere”.")
    )
    keyword = models.CharField(
        _("keyword"),
        max_length=40,
        blank=True,
        help_text=_("Written after the subscribe keyword, e.g. EVENTI for “ISCRIVIMI EVENTI”. Defaults to the name."),
    )

    panels = [FieldPanel("kind"), FieldPanel("name"), FieldPanel("keyword")]

    class Meta(Orderable.Meta):
        verbose_name = _("topic or place")
        verbose_name_plural = _("topics and places")

    def __str__(self):
        return self.name

    @property
    def choice_keyword(self):
        """The word citizens write to choose it: the town's keyword, else the name."""
        return self.keyword.strip() or self.name

    def clean(self):
        super().clean()
        if not self.name.strip():
            raise ValidationError({"name": _("Give the topic or place a name.")})
