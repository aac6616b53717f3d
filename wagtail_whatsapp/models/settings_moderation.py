"""What moderators are shown and for how long data is kept: the word lists, allowed link domains and retention of
Settings → WhatsApp (the "Moderation and retention" tab), as an abstract model ``WhatsAppSettings`` inherits."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.models.settings_defaults import (
    DEFAULT_FUNDRAISING_WORDS,
    DEFAULT_OFFENSIVE_WORDS,
    DEFAULT_PROMOTION_WORDS,
)


class ModerationSettings(models.Model):
    inbox_retention_days = models.PositiveSmallIntegerField(
        _("keep received messages for (days)"),
        default=30,
        help_text=_("Messages citizens sent are deleted after this many days."),
    )
    delivery_retention_days = models.PositiveSmallIntegerField(
        _("keep delivery numbers for (days)"),
        default=90,
        help_text=_("After this many days deliveries keep their status for statistics but no longer the number."),
    )
    moderation_offensive_words = models.TextField(
        _("offensive words"),
        default=DEFAULT_OFFENSIVE_WORDS,
        blank=True,
        help_text=_("One per line; a trailing * matches any ending. Messages containing them are flagged."),
    )
    moderation_promotion_words = models.TextField(
        _("promotion words"),
        default=DEFAULT_PROMOTION_WORDS,
        blank=True,
        help_text=_("Products, services, political organisations, illegal offers. One per line."),
    )
    moderation_fundraising_words = models.TextField(
        _("fundraising words"), default=DEFAULT_FUNDRAISING_WORDS, blank=True, help_text=_("One per line.")
    )
    moderation_allowed_domains = models.TextField(
        _("allowed link domains"),
        blank=True,
        help_text=_("Links to these domains (one per line) are not flagged; the site's own domain is always allowed."),
    )

    class Meta:
        abstract = True

    @staticmethod
    def word_list(text):
        return [line.strip() for line in (text or "").splitlines() if line.strip()]

    def retention_errors(self):
        """``{field: message}`` for a retention moderators could not work with (``WhatsAppSettings.clean``)."""
        if self.inbox_retention_days == 0:
            return {"inbox_retention_days": _("Keep messages at least one day, so moderators can see them.")}
        return {}
