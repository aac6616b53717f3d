from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a consent record: the log is evidence (GDPR art. 7)."""


class ConsentRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Consent records cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Consent records cannot be deleted.")


def _live_revision(page):
    return page.live_revision if page is not None else None


class ConsentRecord(models.Model):
    """One line of the append-only consent log: who joined, left, was blocked or erased, when, and under which texts."""

    class Action(models.TextChoices):
        # Double opt-in: the citizen's ISCRIVIMI, waiting for their SÌ (the SÌ then writes SUBSCRIBE).
        REQUEST = "request", _("Asked to subscribe")
        SUBSCRIBE = "subscribe", _("Subscribed")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
        BLOCK = "block", _("Blocked")
        UNBLOCK = "unblock", _("Unblocked")
        ERASE = "erase", _("Erased")
        IMPORT = "import", _("Imported")
        CHOOSE_TOPICS = "topics", _("Chose topics and places")

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    subscriber = models.ForeignKey(
        "wagtail_whatsapp.Subscriber",
        verbose_name=_("subscriber"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_records",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    phone_number = models.CharField(_("phone number"), max_length=128, blank=True)
    wa_user_id = models.CharField(_("WhatsApp user ID"), max_length=128, blank=True)
    message_wamid = models.CharField(_("WhatsApp message ID"), max_length=256, blank=True, db_index=True)
    message_text = models.TextField(_("text received"), blank=True)
    policy_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("policy revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    privacy_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("privacy notice revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent log")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("allow_anonymise", False):
            raise AppendOnlyError("Consent records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Consent records cannot be deleted.")

    @classmethod
    def for_message(cls, settings, action, message, subscriber=None, note=""):
        """Log what a citizen's ``message`` did on ``settings``' site, under the policy and privacy texts live at
        that moment (the revisions the citizen accepted)."""
        return cls.objects.create(
            site=settings.site,
            subscriber=subscriber,
            action=action,
            created_at=message.sent_at,
            phone_number=message.phone_number or getattr(subscriber, "phone_number", ""),
            wa_user_id=message.wa_user_id or getattr(subscriber, "wa_user_id", ""),
            message_wamid=message.wamid,
            message_text=message.text,
            policy_revision=_live_revision(settings.policy_page),
            privacy_revision=_live_revision(settings.privacy_page),
            note=note,
        )
