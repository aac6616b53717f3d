from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxMessage(models.Model):
    """A message that went through the sandbox backend instead of Meta: the offline outbox (and the citizen's side)."""

    class Direction(models.TextChoices):
        OUTGOING = "out", _("Sent by the town")
        INCOMING = "in", _("Written as the citizen")

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.OUTGOING)
    phone_number_id = models.CharField(_("phone number ID"), max_length=64, blank=True)
    recipient = models.CharField(_("number"), max_length=128, db_index=True)
    wamid = models.CharField(_("WhatsApp message ID"), max_length=256, unique=True)
    message_type = models.CharField(_("type"), max_length=32)
    body = models.JSONField(_("request body"), default=dict)
    callback_data = models.CharField(_("callback data"), max_length=512, blank=True)
    status = models.CharField(_("status"), max_length=16, blank=True)
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
        return kind.get("body") or kind.get("caption") or kind.get("name") or ""
