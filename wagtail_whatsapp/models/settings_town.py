"""The town and its public pages in Settings → WhatsApp (the "Pages and town" tab), as an abstract model
``WhatsAppSettings`` inherits.

The town and its other channels are shown on the policy, privacy and subscribe pages and used by `whatsapp_setup` to
fill the default texts. All optional: a page leaves out what is empty.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TownSettings(models.Model):
    policy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("service policy page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("privacy notice page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    town_name = models.CharField(
        _("town"),
        max_length=100,
        blank=True,
        help_text=_("The data controller as citizens know it, e.g. “Comune di Sovere”. Defaults to the site name."),
    )
    town_address = models.CharField(_("town hall address"), max_length=200, blank=True)
    contact_phone = models.CharField(_("town phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("town e-mail"), blank=True)
    contact_pec = models.EmailField(_("town certified e-mail (PEC)"), blank=True)
    contact_page_url = models.URLField(
        _("contacts page"), blank=True, help_text=_("The page of the town's website listing its offices and contacts.")
    )
    dpo_contact = models.CharField(
        _("data protection officer (DPO)"),
        max_length=200,
        blank=True,
        help_text=_("Name and e-mail of the DPO, as in the town's other privacy notices."),
    )

    class Meta:
        abstract = True

    def get_town_name(self):
        return self.town_name or self.site.site_name or self.site.hostname
