from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

DEFAULT_SUBSCRIBE_KEYWORDS = "ISCRIVIMI\nISCRIVITI\nISCRIZIONE"
DEFAULT_UNSUBSCRIBE_KEYWORDS = "CANCELLAMI\nCANCELLA\nDISISCRIVIMI\nSTOP"

# Default texts are Italian on purpose: they are what citizens read, whatever language the admin runs in.
DEFAULT_WELCOME = (
    "Benvenuto nel servizio WhatsApp di {service_name}!\n"
    "Riceverai notizie e avvisi del Comune. Questo numero non risponde ai messaggi.\n"
    "Iscrivendoti accetti le regole del servizio: {policy_url}\n"
    "e l'informativa privacy: {privacy_url}\n"
    "Per cancellarti scrivi {unsubscribe_keyword}."
)
DEFAULT_GOODBYE = (
    "Sei stato cancellato dal servizio WhatsApp di {service_name}. Non riceverai più messaggi.\n"
    "Per iscriverti di nuovo scrivi {subscribe_keyword}."
)
DEFAULT_ALREADY_SUBSCRIBED = (
    "Sei già iscritto al servizio WhatsApp di {service_name}. Per cancellarti scrivi {unsubscribe_keyword}."
)
DEFAULT_NOTICE = "Questo numero non risponde ai messaggi. Per contattare il Comune usa i recapiti sul sito: {site_url}"


@register_setting(icon="mail")
class WhatsAppSettings(BaseSiteSetting):
    service_name = models.CharField(
        _("service name"),
        max_length=100,
        blank=True,
        help_text=_("Shown to citizens, e.g. “Sovere Informa”. Defaults to the site name."),
    )
    display_number = models.CharField(
        _("WhatsApp number"),
        max_length=32,
        blank=True,
        help_text=_("The number citizens save and write to, in international form, e.g. +39 035 123 4567."),
    )
    phone_number_id = models.CharField(
        _("phone number ID"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Meta's ID of this number (WhatsApp Manager → API setup). Webhooks are routed by it."),
    )
    subscribe_keywords = models.TextField(
        _("subscribe keywords"),
        default=DEFAULT_SUBSCRIBE_KEYWORDS,
        help_text=_("One per line. Case, accents, spaces and punctuation are ignored."),
    )
    unsubscribe_keywords = models.TextField(
        _("unsubscribe keywords"),
        default=DEFAULT_UNSUBSCRIBE_KEYWORDS,
        help_text=_("One per line. Case, accents, spaces and punctuation are ignored."),
    )
    welcome_message = models.TextField(
        _("welcome message"),
        default=DEFAULT_WELCOME,
        help_text=_(
            "Sent on subscription. Placeholders: {service_name}, {policy_url}, {privacy_url}, "
            "{subscribe_keyword}, {unsubscribe_keyword}, {site_url}."
        ),
    )
    goodbye_message = models.TextField(_("goodbye message"), default=DEFAULT_GOODBYE)
    already_subscribed_message = models.TextField(
        _("“already subscribed” message"),
        default=DEFAULT_ALREADY_SUBSCRIBED,
        help_text=_("Sent at most once a day to a subscriber who writes the subscribe keyword again."),
    )
    notice_enabled = models.BooleanField(
        _("answer other messages with a notice"),
        default=False,
        help_text=_("Off by default: the number does not answer."),
    )
    notice_message = models.TextField(_("notice"), default=DEFAULT_NOTICE, blank=True)
    notice_interval_days = models.PositiveSmallIntegerField(_("days between two notices to the same number"), default=7)
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

    # --- Public pages (issue 6): the town and its other channels, shown on the policy, privacy and subscribe pages
    # and used by `whatsapp_setup` to fill the default texts. All optional: a page leaves out what is empty.
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
    # --- end of the public pages block

    panels = [
        MultiFieldPanel(
            [FieldPanel("service_name"), FieldPanel("display_number"), FieldPanel("phone_number_id")],
            heading=_("Number"),
        ),
        MultiFieldPanel(
            [FieldPanel("subscribe_keywords"), FieldPanel("unsubscribe_keywords")],
            heading=_("Keywords"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("welcome_message"),
                FieldPanel("goodbye_message"),
                FieldPanel("already_subscribed_message"),
                FieldPanel("notice_enabled"),
                FieldPanel("notice_message"),
                FieldPanel("notice_interval_days"),
            ],
            heading=_("Replies"),
        ),
        MultiFieldPanel(
            [PageChooserPanel("policy_page"), PageChooserPanel("privacy_page")],
            heading=_("Policy and privacy"),
        ),
        # Public pages (issue 6).
        MultiFieldPanel(
            [
                FieldPanel("town_name"),
                FieldPanel("town_address"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_email"),
                FieldPanel("contact_pec"),
                FieldPanel("contact_page_url"),
                FieldPanel("dpo_contact"),
            ],
            heading=_("Town and contacts"),
        ),
    ]

    class Meta:
        verbose_name = _("WhatsApp")
        constraints = [
            models.UniqueConstraint(
                fields=["phone_number_id"],
                condition=~models.Q(phone_number_id=""),
                name="wagtail_whatsapp_unique_phone_number_id",
            )
        ]

    def get_service_name(self):
        return self.service_name or self.site.site_name or self.site.hostname

    def get_town_name(self):
        return self.town_name or self.site.site_name or self.site.hostname
