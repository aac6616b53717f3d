import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.models import ClusterableModel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site

from wagtail_whatsapp import conf
from wagtail_whatsapp.models.settings_defaults import (
    DEFAULT_ALREADY_SUBSCRIBED,
    DEFAULT_CONFIRMATION_QUESTION,
    DEFAULT_FUNDRAISING_WORDS,
    DEFAULT_GOODBYE,
    DEFAULT_NOT_SUBSCRIBED,
    DEFAULT_NOTICE,
    DEFAULT_OFFENSIVE_WORDS,
    DEFAULT_PROMOTION_WORDS,
    DEFAULT_SUBSCRIBE_KEYWORDS,
    DEFAULT_UNSUBSCRIBE_KEYWORDS,
    DEFAULT_WELCOME,
)
from wagtail_whatsapp.models.settings_panels import SETTINGS_PANELS
from wagtail_whatsapp.outbound.template_mapping import TemplateMappingError, parse_mapping, validate_mapping

# The keyword fields hold one keyword per line; commas and semicolons are accepted too.
KEYWORD_SEPARATORS = re.compile(r"[\n,;]+")


def keyword_list(text):
    """A keywords field as the town wrote it, one keyword an item, blanks dropped."""
    return [item.strip() for item in KEYWORD_SEPARATORS.split(text) if item.strip()]


def _family_field(verbose_name, help_text):
    return models.ForeignKey(
        "wagtail_whatsapp.MessageTemplate",
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"status": "APPROVED"},
        help_text=help_text,
    )


@register_setting(icon="mail")
class WhatsAppSettings(ClusterableModel, BaseSiteSetting):
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
    understand_phrasings = models.BooleanField(
        _("understand common phrasings"),
        default=True,
        help_text=_(
            "Also understand “vorrei iscrivermi”, “cancellatemi”, “non voglio più ricevere messaggi” and keywords "
            "with a typo. Questions are never taken for a keyword. Off: only the keywords above, as written."
        ),
    )
    topics_keyword = models.CharField(
        _("topics keyword"),
        max_length=40,
        default="ARGOMENTI",
        help_text=_(
            "A subscriber who writes it gets the list of topics and places to choose from (only when the list "
            "below has some)."
        ),
    )
    welcome_message = models.TextField(
        _("welcome message"),
        default=DEFAULT_WELCOME,
        help_text=_(
            "Sent on subscription. Placeholders: {service_name}, {policy_url}, {privacy_url}, "
            "{subscribe_keyword}, {unsubscribe_keyword}, {site_url}."
        ),
    )
    double_opt_in = models.BooleanField(
        _("ask to confirm subscriptions (double opt-in)"),
        default=False,
        help_text=_(
            "Whoever writes the subscribe keyword first gets the question below with a “SÌ” button, and is "
            "subscribed only after tapping it (or answering SÌ). Requests not confirmed within 24 hours are deleted "
            "and leave no data behind. Off: the keyword subscribes at once."
        ),
    )
    confirmation_message = models.TextField(
        _("confirmation question"),
        default=DEFAULT_CONFIRMATION_QUESTION,
        max_length=1024,  # Meta's limit for the body of a message with buttons
        help_text=_(
            "Sent with the “SÌ” button when the double opt-in is on. Same placeholders as the welcome message."
        ),
    )
    goodbye_message = models.TextField(_("goodbye message"), default=DEFAULT_GOODBYE)
    not_subscribed_message = models.TextField(
        _("“not subscribed” message"),
        default=DEFAULT_NOT_SUBSCRIBED,
        blank=True,
        help_text=_(
            "Sent to a number that asks to unsubscribe without being subscribed. Leave empty to answer nothing."
        ),
    )
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

    # --- Public pages: the town and its other channels, shown on the policy, privacy and subscribe pages
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
    # --- Running the service: account, template family, retention, moderation, quiet hours.
    # No secret here: the access token, app secret and verify token stay in Django settings (conf.py).
    waba_id = models.CharField(
        _("WhatsApp Business Account ID"),
        max_length=64,
        blank=True,
        help_text=_("Meta's ID of the account that owns the number and its templates. Not a secret."),
    )
    # The template family: one approved template per kind of message, for citizens outside the 24-hour window.
    # A blank kind is picked by the plugin among the synced templates (outbound/template_family.py).
    text_template = _family_field(_("text-only template"), _("For pages without an image, video or document."))
    image_template = _family_field(_("image template"), _("An image header: for pages whose image goes."))
    video_template = _family_field(_("video template"), _("A video header: for pages whose video goes."))
    document_template = _family_field(_("document template"), _("A document header: for notices whose PDF goes."))
    event_template = _family_field(
        _("event template"), _("Carries the date, time and place: for events without an image, video or document.")
    )
    template_parameter_mapping = models.TextField(
        _("template parameters"),
        blank=True,
        help_text=_(
            "One line per template parameter, for every template of the family: “1 = title”. Page fields: title, "
            "summary, text, url, date, time, place, site_name. Without a line a named parameter takes the page "
            "field of its name (in English or Italian: testo, titolo, data, ora, luogo...)."
        ),
    )
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
    quiet_hours_start = models.TimeField(
        _("quiet hours start"), null=True, blank=True, help_text=_("No broadcast starts between start and end.")
    )
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    monthly_budget = models.DecimalField(
        _("monthly budget"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Optional. What the town may spend on WhatsApp messages in a month, in the currency of the prices "
            "(see the cost on the confirmation page). A broadcast that would go over it needs the “exceed budget” "
            "permission and an explicit tick."
        ),
    )

    edit_handler = SETTINGS_PANELS

    # Kind of message → the field choosing its template (the kinds are those of outbound/template_family.py).
    TEMPLATE_FIELDS = {
        "text": "text_template",
        "image": "image_template",
        "video": "video_template",
        "document": "document_template",
        "event": "event_template",
    }

    class Meta:
        verbose_name = _("WhatsApp")
        constraints = [
            models.UniqueConstraint(
                fields=["phone_number_id"],
                condition=~models.Q(phone_number_id=""),
                name="wagtail_whatsapp_unique_phone_number_id",
            )
        ]

    @property
    def sending_number_id(self):
        """The phone_number_id the site's messages go out from (and its webhooks carry): its own, else the default
        number of ``WAGTAIL_WHATSAPP['PHONE_NUMBER_ID']`` (the sandbox has one of its own when that is unset)."""
        return self.phone_number_id or conf.default_phone_number_id()

    @classmethod
    def site_ids_sending_from(cls, phone_number_id):
        """Ids of the sites whose messages go out from ``phone_number_id`` (Meta's limits are the number's)."""
        configured = dict(cls.objects.values_list("site_id", "phone_number_id"))
        default = conf.default_phone_number_id()
        sites = Site.objects.values_list("pk", flat=True)
        return [site_id for site_id in sites if (configured.get(site_id) or default) == phone_number_id]

    @classmethod
    def site_ids_for_numbers(cls, phone_number_ids):
        """phone_number_id → site id, for the ids a site serves: those in its settings, and the default number for
        the default site when no setting claims it (so a fresh install receives webhooks before anyone opens the
        settings)."""
        wanted = set(phone_number_ids)
        if not wanted:
            return {}
        routes = dict(cls.objects.filter(phone_number_id__in=wanted).values_list("phone_number_id", "site_id"))
        default_id = conf.default_phone_number_id()
        if default_id in wanted and default_id not in routes:
            default_site_id = Site.objects.filter(is_default_site=True).values_list("pk", flat=True).first()
            if default_site_id is not None:
                routes[default_id] = default_site_id
        return routes

    @property
    def subscribe_keyword(self):
        """The keyword citizens are told to write to subscribe: the first of the list, as the town wrote it."""
        return next(iter(keyword_list(self.subscribe_keywords)), "ISCRIVIMI")

    @property
    def unsubscribe_keyword(self):
        return next(iter(keyword_list(self.unsubscribe_keywords)), "CANCELLAMI")

    def choosable_topics(self):
        """The site's topics and places, in the town's order (the list citizens choose from)."""
        return self.topics.order_by("sort_order", "pk")

    def get_service_name(self):
        return self.service_name or self.site.site_name or self.site.hostname

    def get_town_name(self):
        return self.town_name or self.site.site_name or self.site.hostname

    def clean(self):
        super().clean()
        errors = {}
        chosen = {kind: template for kind, template in self.chosen_templates().items() if template is not None}
        for kind, template in chosen.items():
            if not template.is_approved:
                errors[self.TEMPLATE_FIELDS[kind]] = _("Only an approved template can be used.")
        try:
            mapping = parse_mapping(self.template_parameter_mapping)
            if mapping and chosen:
                validate_mapping(mapping, list(chosen.values()))
        except TemplateMappingError as exc:
            errors["template_parameter_mapping"] = str(exc)
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            errors["quiet_hours_end"] = _("Give both the start and the end of the quiet hours, or neither.")
        if self.inbox_retention_days == 0:
            errors["inbox_retention_days"] = _("Keep messages at least one day, so moderators can see them.")
        if errors:
            raise ValidationError(errors)

    def chosen_templates(self):
        """``{kind: MessageTemplate or None}`` as chosen in Settings → WhatsApp, for every kind of the family."""
        return {kind: getattr(self, field) for kind, field in self.TEMPLATE_FIELDS.items()}

    def in_quiet_hours(self, local_time):
        """True when ``local_time`` (a ``datetime.time``) falls in the quiet hours; they may run past midnight."""
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start is None or end is None or start == end:
            return False
        if start < end:
            return start <= local_time < end
        return local_time >= start or local_time < end

    @staticmethod
    def word_list(text):
        return [line.strip() for line in (text or "").splitlines() if line.strip()]
