from django.db import models
from django.utils.translation import gettext_lazy as _


class MediaUpload(models.Model):
    """A file uploaded to WhatsApp for one phone number: its media id is reused until it is 29 days old.

    Keyed by the SHA-256 of the content, so the same image in two pages (or two broadcasts) is uploaded once.
    """

    phone_number_id = models.CharField(_("phone number ID"), max_length=64)
    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    mime_type = models.CharField(_("MIME type"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    media_id = models.CharField(_("media ID"), max_length=128)
    uploaded_at = models.DateTimeField(_("uploaded at"), db_index=True)

    class Meta:
        verbose_name = _("uploaded media")
        verbose_name_plural = _("uploaded media")
        constraints = [
            models.UniqueConstraint(fields=["phone_number_id", "sha256"], name="wagtail_whatsapp_media_unique"),
        ]

    def __str__(self):
        return f"{self.media_id} ({self.mime_type})"
