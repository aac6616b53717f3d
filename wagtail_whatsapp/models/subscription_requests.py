from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubscriptionRequestQuerySet(models.QuerySet):
    def for_identity_hashes(self, site, number_hash="", user_id_hash=""):
        """The site's requests of a citizen known by these keyed hashes (subscribers/identities.py)."""
        condition = Q(pk__in=[])
        if number_hash:
            condition |= Q(number_hash=number_hash)
        if user_id_hash:
            condition |= Q(user_id_hash=user_id_hash)
        return self.filter(condition, site=site)

    def expired(self, now=None):
        return self.filter(asked_at__lte=(now or timezone.now()) - SubscriptionRequest.LIFETIME)


class SubscriptionRequest(models.Model):
    """A citizen's ISCRIVIMI waiting for their "SÌ" (double opt-in, on per site in Settings → WhatsApp).

    It names the citizen only by keyed hashes of the number and of the WhatsApp user id, never in clear: the "SÌ"
    that confirms carries them again. ``messages`` are what the request consists of (each ISCRIVIMI, and through
    them the questions sent and the "asked to subscribe" consent records): when the request expires unconfirmed, or
    the citizen writes CANCELLAMI, all of it goes (``inbound/confirmations.py``), so nothing personal is left.
    """

    # From the first ISCRIVIMI: a later one asks again but does not make the request live longer.
    LIFETIME = timedelta(hours=24)

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    number_hash = models.CharField(_("number hash"), max_length=64, blank=True)
    user_id_hash = models.CharField(_("WhatsApp user ID hash"), max_length=64, blank=True)
    asked_at = models.DateTimeField(_("asked at"), db_index=True)
    messages = models.ManyToManyField(
        "wagtail_whatsapp.InboundMessage", verbose_name=_("messages"), blank=True, related_name="+"
    )

    objects = SubscriptionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscription waiting for confirmation")
        verbose_name_plural = _("subscriptions waiting for confirmation")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "number_hash"],
                condition=~Q(number_hash=""),
                name="wagtail_whatsapp_one_request_per_number",
            ),
            models.UniqueConstraint(
                fields=["site", "user_id_hash"],
                condition=~Q(user_id_hash=""),
                name="wagtail_whatsapp_one_request_per_user_id",
            ),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def expires_at(self):
        return self.asked_at + self.LIFETIME

    def is_live(self, at):
        """True when a "SÌ" written at ``at`` still confirms it."""
        return self.asked_at <= at < self.expires_at
