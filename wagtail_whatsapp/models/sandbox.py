from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SandboxMessage(models.Model):
    """A message that went through the sandbox backend instead of Meta: the offline outbox (and the citizen's side)."""

    class Direction(models.TextChoices):
        OUTGOING = "out", _("Sent by the town")
        INCOMING = "in", _("Written as the citizen")

    class Status(models.TextChoices):
        # Meta's status codes, as the sandbox plays them back; the chat shows the words.
        ACCEPTED = "", pgettext_lazy("one message's status", "accepted")
        SENT = "sent", pgettext_lazy("one message's status", "sent")
        DELIVERED = "delivered", pgettext_lazy("one message's status", "delivered")
        READ = "read", pgettext_lazy("one message's status", "read")
        FAILED = "failed", pgettext_lazy("one message's status", "not delivered")

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.OUTGOING)
    phone_number_id = models.CharField(_("phone number ID"), max_length=64, blank=True)
    recipient = models.CharField(_("number"), max_length=128, db_index=True)
    wamid = models.CharField(_("WhatsApp message ID"), max_length=256, unique=True)
    message_type = models.CharField(_("type"), max_length=32)
    body = models.JSONField(_("request body"), default=dict)
    callback_data = models.CharField(_("callback data"), max_length=512, blank=True)
    status = models.CharField(_("status"), max_length=16, blank=True, choices=Status.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sandbox message")
        verbose_name_plural = _("sandbox messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.direction} {self.recipient} {self.message_type}"

    @property
    def text(self):
        """The readable part of the message, whatever its type."""
        kind = self.body.get(self.message_type, {}) if isinstance(self.body, dict) else {}
        if not isinstance(kind, dict):
            return ""
        if self.message_type == "interactive":  # the town's text above its buttons, or the button a citizen tapped
            body = kind.get("body") or kind.get("button_reply")
            return str(body.get("text") or body.get("title") or "") if isinstance(body, dict) else ""
        return kind.get("body") or kind.get("caption") or kind.get("name") or ""


class SandboxMedia(models.Model):
    """Bytes uploaded through the sandbox backend, so that ``download_media`` gives them back as Meta would.

    Kept like Meta keeps uploads (30 days, pruned on the next upload) and only up to WhatsApp's 16 MB video size:
    the sandbox is a demo, not a media library.
    """

    media_id = models.CharField(_("media ID"), max_length=64, unique=True)
    mime_type = models.CharField(_("MIME type"), max_length=128)
    content = models.BinaryField(_("content"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sandbox media")
        verbose_name_plural = _("sandbox media")

    def __str__(self):
        return f"{self.media_id} {self.mime_type}"
