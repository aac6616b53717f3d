from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageTemplate(models.Model):
    """A message template of the WhatsApp Business Account, synced from Meta (read-only in the admin).

    Status and category are stored as Meta writes them ("APPROVED", "MARKETING"); the choices give each its words in
    the admin. A code Meta adds later is stored all the same and shown as it came.
    """

    class Status(models.TextChoices):
        APPROVED = "APPROVED", _("Approved")
        PENDING = "PENDING", _("Pending")
        IN_APPEAL = "IN_APPEAL", _("In appeal")
        REJECTED = "REJECTED", _("Rejected")
        PAUSED = "PAUSED", _("Paused")
        DISABLED = "DISABLED", _("Disabled")
        LIMIT_EXCEEDED = "LIMIT_EXCEEDED", _("Template limit exceeded")
        PENDING_DELETION = "PENDING_DELETION", _("Being deleted at Meta")
        ARCHIVED = "ARCHIVED", _("Archived")
        DELETED = "DELETED", _("Deleted at Meta")  # kept (not removed) so past broadcasts still name their template

    class Category(models.TextChoices):
        MARKETING = "MARKETING", _("Marketing")
        UTILITY = "UTILITY", _("Utility")
        AUTHENTICATION = "AUTHENTICATION", _("Authentication")

    waba_id = models.CharField(_("WhatsApp Business Account ID"), max_length=64)
    template_id = models.CharField(_("template ID"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=512)
    language = models.CharField(_("language"), max_length=16)
    category = models.CharField(_("category"), max_length=32, blank=True, choices=Category.choices)
    status = models.CharField(_("status"), max_length=32, choices=Status.choices)
    status_reason = models.CharField(_("status reason"), max_length=512, blank=True)
    quality_score = models.CharField(_("quality"), max_length=16, blank=True)
    parameter_format = models.CharField(_("parameter format"), max_length=16, blank=True)
    components = models.JSONField(_("components"), default=list, blank=True)
    synced_at = models.DateTimeField(_("synced at"), auto_now=True)
    # Meta moved the template to a dearer category (``template_category_update``): new broadcasts that would use it
    # wait until an editor accepts the new price (outbound/costs.py).
    category_change_pending = models.BooleanField(_("category change to accept"), default=False)
    previous_category = models.CharField(_("previous category"), max_length=32, blank=True, choices=Category.choices)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["waba_id", "name", "language"], name="wagtail_whatsapp_template_unique"),
        ]

    def __str__(self):
        return f"{self.name} ({self.language})"

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED

    @classmethod
    def category_label(cls, code):
        """The words for a category code (a broadcast's cost keeps the code it was priced at)."""
        code = str(code or "").upper()  # Meta's pricing writes categories in lower case
        return cls.Category(code).label if code in cls.Category.values else code
