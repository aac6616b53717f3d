"""The page mixins that let editors send a page via WhatsApp, and what a page gives the message: text, media,
template values."""

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from wagtail_whatsapp.admin.panels import SendOnPublishPanel, TopicsPanel
from wagtail_whatsapp.models.broadcasts import Broadcast

SEND_PERMISSION = "wagtail_whatsapp.send_broadcast"
# The page-history action written when a ticked version is published but not sent (outbound/publishing.py).
REFUSED_ACTION = "wagtail_whatsapp.broadcast_refused"

CAPTION_LIMIT = 1024  # Meta's limit for an image or video caption (and a template body)


def _shorten(text, limit):
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


class WhatsAppBroadcastMixin(models.Model):
    """Mix into a Page model to let editors send it via WhatsApp.

    The plugin reads a page only through the ``get_whatsapp_*`` methods below: override them to change what citizens
    receive. Add ``whatsapp_panels`` to the page's ``content_panels`` (or a tab) to show the editor's options.
    """

    whatsapp_send_on_publish = models.BooleanField(
        _("Send via WhatsApp when published"),
        default=False,
        help_text=_("Every active subscriber receives this page once, when this revision is published."),
    )
    whatsapp_message_override = models.TextField(
        _("WhatsApp text"),
        blank=True,
        max_length=CAPTION_LIMIT,
        help_text=_("Leave empty to send the title, the introduction and the link to the page."),
    )
    # Who receives it: the citizens who chose one of these (or nothing at all). None ticked: every subscriber.
    whatsapp_topics = ParentalManyToManyField(
        "wagtail_whatsapp.Topic",
        verbose_name=_("WhatsApp topics and places"),
        blank=True,
        related_name="+",
        help_text=_(
            "Only subscribers who chose one of these receive it (and those who chose nothing). None: everyone."
        ),
    )

    # Attribute names read by the default implementation; a page model may point them elsewhere.
    whatsapp_intro_field = "intro"
    whatsapp_image_field = "image"
    whatsapp_video_field = "video"
    whatsapp_document_field = "document"
    # Which media goes when the page has more than one (a WhatsApp message carries one): "image", "video" or
    # "document". The editor may choose another on the confirmation page.
    whatsapp_preferred_media = "image"
    whatsapp_intro_length = 300
    # A copy starts unticked: copying last week's news (with "publish copies") must not send it to everyone again.
    # A page model that sets its own ``exclude_fields_in_copy`` should keep this name in it.
    exclude_fields_in_copy = ["whatsapp_send_on_publish"]

    # Only for users who may send via WhatsApp: others neither see nor change the tick (publishing checks it too).
    whatsapp_panels = [
        MultiFieldPanel(
            [
                SendOnPublishPanel("whatsapp_send_on_publish", permission=SEND_PERMISSION),
                FieldPanel("whatsapp_message_override", permission=SEND_PERMISSION),
                TopicsPanel("whatsapp_topics", widget=forms.CheckboxSelectMultiple, permission=SEND_PERMISSION),
            ],
            heading=_("WhatsApp"),
            permission=SEND_PERMISSION,
        )
    ]

    class Meta:
        abstract = True

    def get_whatsapp_intro(self):
        intro = getattr(self, self.whatsapp_intro_field, "") or getattr(self, "search_description", "")
        return _shorten(strip_tags(str(intro)), self.whatsapp_intro_length)

    def get_whatsapp_details(self):
        """Extra lines between the introduction and the link (events: when and where)."""
        return []

    def get_whatsapp_url(self):
        return self.get_full_url()

    def get_whatsapp_message(self):
        """The text citizens receive: the editor's override, or title, short intro, details and the page's URL."""
        url = self.get_whatsapp_url() or ""
        if self.whatsapp_message_override.strip():
            body = self.whatsapp_message_override.strip()
            if url and url not in body:
                body = f"{body}\n\n{url}"
            return body[:CAPTION_LIMIT]
        parts = [f"*{self.title}*"]
        intro = self.get_whatsapp_intro()
        if intro:
            parts.append(intro)
        details = [line for line in self.get_whatsapp_details() if line]
        if details:
            parts.append("\n".join(details))
        if url:
            parts.append(url)
        return "\n\n".join(parts)[:CAPTION_LIMIT]

    def get_whatsapp_image(self):
        """A Wagtail image to send with the text, or None."""
        return getattr(self, self.whatsapp_image_field, None)

    def get_whatsapp_video(self):
        """A document holding a short MP4 to send with the text, or None."""
        return getattr(self, self.whatsapp_video_field, None)

    def get_whatsapp_document(self):
        """A PDF document to send with the text (a notice), or None."""
        return getattr(self, self.whatsapp_document_field, None)

    def get_whatsapp_media_choice(self, available):
        """The media that goes when the page has several (``available``: "image", "video", "document")."""
        return self.whatsapp_preferred_media if self.whatsapp_preferred_media in available else available[0]

    def is_whatsapp_event(self):
        """True for an event page: outside the window it goes with the family's event template."""
        return False

    def whatsapp_tick_already_used(self):
        """True when the page was sent via WhatsApp after its latest content was saved: the tick in that content did
        its job, and leaving it ticked would send the page again with the next correction."""
        revision = self.latest_revision if self.pk else None
        if revision is None:
            return False
        return Broadcast.objects.filter(page_id=self.pk, created_at__gte=revision.created_at).exists()

    def whatsapp_refusal(self):
        """Why the version online, published with the tick, was NOT sent via WhatsApp (from the page's history), or
        None when it was sent or not ticked."""
        from wagtail.models import PageLogEntry

        if not self.pk or not self.live_revision_id:
            return None
        if Broadcast.objects.filter(page_id=self.pk, revision_id=self.live_revision_id).exists():
            return None  # sent after all (from the "Send via WhatsApp" menu)
        entry = (
            PageLogEntry.objects.filter(page_id=self.pk, action=REFUSED_ACTION, revision_id=self.live_revision_id)
            .order_by("-timestamp")
            .first()
        )
        return (entry.data or {}).get("reason", "") if entry is not None else None

    def get_whatsapp_template_parameters(self):
        """Values offered to the family's template parameters (page fields; mapped in the site's WhatsApp settings)."""
        url = self.get_whatsapp_url() or ""
        site_root = self.get_site().root_url if self.get_site() else ""
        return {
            "title": _shorten(self.title, 200),
            "summary": self.get_whatsapp_intro(),
            "details": " · ".join(line for line in self.get_whatsapp_details() if line),
            "url": url,
            # Template URL buttons take a suffix appended to the approved base URL.
            "url_path": url[len(site_root) :].lstrip("/") if site_root and url.startswith(site_root) else url,
            # The WhatsApp text itself, and without the title and the event lines (for templates that carry them).
            "text": self.get_whatsapp_message(),
            "text_without_details": self._whatsapp_text_without_details(),
        }

    def _whatsapp_text_without_details(self):
        leave_out = {f"*{self.title}*", *(line for line in self.get_whatsapp_details() if line)}
        return "\n".join(line for line in self.get_whatsapp_message().split("\n") if line.strip() not in leave_out)


class WhatsAppEventBroadcastMixin(WhatsAppBroadcastMixin):
    """For event pages: the message also says when and where."""

    whatsapp_start_field = "start"
    whatsapp_end_field = "end"
    whatsapp_place_field = "place"

    class Meta:
        abstract = True

    def is_whatsapp_event(self):
        return True

    def get_whatsapp_template_parameters(self):
        """Also the date, time and place on their own, for the event template's parameters."""
        values = super().get_whatsapp_template_parameters()
        start = getattr(self, self.whatsapp_start_field, None)
        end = getattr(self, self.whatsapp_end_field, None)
        if start:
            start = timezone.localtime(start) if timezone.is_aware(start) else start
            values["date"] = date_format(start, "l j F Y")
            values["time"] = date_format(start, "H:i")
            if end:
                end = timezone.localtime(end) if timezone.is_aware(end) else end
                same_day = end.date() == start.date()
                values["time"] += " – " + date_format(end, "H:i" if same_day else "l j F Y, H:i")
        values["place"] = str(getattr(self, self.whatsapp_place_field, "") or "")
        return values

    def get_whatsapp_details(self):
        start = getattr(self, self.whatsapp_start_field, None)
        end = getattr(self, self.whatsapp_end_field, None)
        place = getattr(self, self.whatsapp_place_field, "")
        lines = []
        if start:
            start = timezone.localtime(start) if timezone.is_aware(start) else start
            when = date_format(start, "l j F Y, H:i")
            if end:
                end = timezone.localtime(end) if timezone.is_aware(end) else end
                same_day = end.date() == start.date()
                when += " – " + date_format(end, "H:i" if same_day else "l j F Y, H:i")
            lines.append(f"🗓 {when}")
        if place:
            lines.append(f"📍 {place}")
        return lines
