from django.db import models
from django.utils.translation import gettext_lazy as _


class BlockedNumber(models.Model):
    """A block that must outlive the subscriber's data: only a keyed hash of the number is kept (GDPR art. 17).

    Written on every block and kept when the number is erased, so an erased troll still cannot re-subscribe.
    ``blocking.number_hash`` makes the hash; ``blocking.is_number_blocked`` reads it.
    """

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    number_hash = models.CharField(_("number hash"), max_length=64)
    created_at = models.DateTimeField(_("blocked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked number")
        verbose_name_plural = _("blocked numbers")
        constraints = [
            models.UniqueConstraint(fields=["site", "number_hash"], name="wagtail_whatsapp_blocked_number_once"),
        ]

    def __str__(self):
        return self.number_hash[:12]
