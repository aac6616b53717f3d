from django.db import models
from django.utils.translation import gettext_lazy as _


class KeptIdentityHash(models.Model):
    """A citizen remembered after erasure by a keyed hash only (of the number, or of the WhatsApp user id): never the
    number itself. ``subscribers/identities.py`` makes the hashes."""

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    number_hash = models.CharField(_("number hash"), max_length=64)

    class Meta:
        abstract = True

    def __str__(self):
        return self.number_hash[:12]


class BlockedNumber(KeptIdentityHash):
    """A block that must outlive the subscriber's data: only keyed hashes of the number and of the WhatsApp user id
    are kept (GDPR art. 17).

    Written on every block and kept when the number is erased, so an erased troll still cannot re-subscribe.
    ``subscribers/identities.py`` makes the hashes; ``blocking.is_blocked`` reads them.
    """

    created_at = models.DateTimeField(_("blocked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked number")
        verbose_name_plural = _("blocked numbers")
        constraints = [
            models.UniqueConstraint(fields=["site", "number_hash"], name="wagtail_whatsapp_blocked_number_once"),
        ]


class OptedOutNumber(KeptIdentityHash):
    """A citizen who wrote CANCELLAMI, kept as a keyed hash of their number or WhatsApp user id (as ``BlockedNumber``):
    it outlives erasure, so an old list imported later cannot subscribe them again without their consent.

    Written on every CANCELLAMI and on the erasure of someone who had left; cleared by the citizen's own ISCRIVIMI
    (a fresh consent). ``subscribers/opt_outs.py`` writes and reads it.
    """

    created_at = models.DateTimeField(_("opted out at"), auto_now_add=True)

    class Meta:
        verbose_name = _("opted-out number")
        verbose_name_plural = _("opted-out numbers")
        constraints = [
            models.UniqueConstraint(fields=["site", "number_hash"], name="wagtail_whatsapp_opted_out_once"),
        ]
