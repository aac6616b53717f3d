from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from ..panels import SendOnPublishPanel

SEND_PERMISSION = "wagtail_whatsapp.send_broadcast"

CAPTION_LIMIT = 1024  # Meta's limit for an image or video caption (and a template body)
TEXT_LIMIT = 4096


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

    # Attribute names read by the default implementation; a page model may point them elsewhere.
    whatsapp_intro_field = "intro"
    whatsapp_image_field = "image"
    whatsapp_video_field = "video"
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
        """A document holding a short MP4 to send with the text, or None (an image wins when both are set)."""
        return getattr(self, self.whatsapp_video_field, None)

    def get_whatsapp_template_parameters(self):
        """Values offered to the broadcast template's parameters (mapped in the site's WhatsApp settings)."""
        url = self.get_whatsapp_url() or ""
        site_root = self.get_site().root_url if self.get_site() else ""
        return {
            "title": _shorten(self.title, 200),
            "summary": self.get_whatsapp_intro(),
            "details": " · ".join(line for line in self.get_whatsapp_details() if line),
            "url": url,
            # Template URL buttons take a suffix appended to the approved base URL.
            "url_path": url[len(site_root) :].lstrip("/") if site_root and url.startswith(site_root) else url,
        }


class WhatsAppEventBroadcastMixin(WhatsAppBroadcastMixin):
    """For event pages: the message also says when and where."""

    whatsapp_start_field = "start"
    whatsapp_end_field = "end"
    whatsapp_place_field = "place"

    class Meta:
        abstract = True

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


class Broadcast(models.Model):
    """One sending of one page revision to every active subscriber of a site."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", verbose_name=_("revision"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=255)
    url = models.URLField(_("page URL"), max_length=1024, blank=True)
    message = models.TextField(_("message"))
    media = models.JSONField(_("media"), default=dict, blank=True)
    template = models.ForeignKey(
        "wagtail_whatsapp.MessageTemplate",
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    template_parameters = models.JSONField(_("template parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    status_reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    delivered_count = models.PositiveIntegerField(_("delivered"), default=0)
    read_count = models.PositiveIntegerField(_("read"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    # Set on the publish path: the database then refuses a second broadcast of the same revision.
    once_per_revision = models.BooleanField(default=False, editable=False)
    # Deliveries exist for every recipient once this is set; a resumed broadcast does not fan out again.
    fanned_out_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A running sender touches this every few seconds; a "sending" broadcast with an old heartbeat lost its consumer.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A broadcast paused for the number's daily messaging limit goes on by itself at this time (messaging_limit.py).
    resume_at = models.DateTimeField(_("goes on at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision"],
                condition=models.Q(once_per_revision=True),
                name="wagtail_whatsapp_broadcast_once_per_revision",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_active(self):
        return self.status in (self.Status.QUEUED, self.Status.SENDING)


class Delivery(models.Model):
    """One subscriber's copy of a broadcast. Unique per (broadcast, subscriber): nobody gets a broadcast twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        "wagtail_whatsapp.Subscriber", null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    wamid = models.CharField(_("WhatsApp message ID"), max_length=256, blank=True, db_index=True)
    used_template = models.BooleanField(_("template"), default=False)
    error_code = models.IntegerField(_("error code"), null=True, blank=True)
    error_reason = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # Claiming (pending → sending) is one conditional UPDATE, so two senders never send the same delivery.
    # ``claim_token`` names the sender run; a delivery left "sending" by a dead run is reconciled, never resent blindly.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "subscriber"], name="wagtail_whatsapp_delivery_once"),
        ]
        indexes = [models.Index(fields=["broadcast", "status"])]

    def __str__(self):
        return f"{self.broadcast_id}:{self.subscriber_id} {self.status}"
