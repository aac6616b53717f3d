from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WhatsAppBroadcastMixin(models.Model):
    """Mix into a Page model to let editors send it via WhatsApp.

    The sending logic reads the page only through the ``get_whatsapp_*`` methods below, so a site overrides them to
    change what citizens receive.
    """

    whatsapp_send_on_publish = models.BooleanField(
        _("Send via WhatsApp when published"),
        default=False,
        help_text=_("Every active subscriber receives this page once, when this revision is published."),
    )
    whatsapp_message_override = models.TextField(
        _("WhatsApp text"),
        blank=True,
        help_text=_("Leave empty to send the title, the introduction and the link to the page."),
    )

    class Meta:
        abstract = True


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

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


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

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "subscriber"], name="wagtail_whatsapp_delivery_once"),
        ]
        indexes = [models.Index(fields=["broadcast", "status"])]

    def __str__(self):
        return f"{self.broadcast_id}:{self.subscriber_id} {self.status}"
