"""``WhatsAppSettings``, a site's Settings → WhatsApp: its number and account, the rules about which site sends from
and receives for which number, and the whole put together.

Each tab's fields and rules live with their own abstract model (``settings_replies.py``, ``settings_town.py``,
``settings_template_family.py``, ``settings_broadcast_limits.py``, ``settings_moderation.py``); the tabs themselves
are ``settings_panels.py``. No secret here: the access token, app secret and verify token stay in Django settings
(conf.py).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.models import ClusterableModel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site

from wagtail_whatsapp import conf
from wagtail_whatsapp.models.settings_broadcast_limits import BroadcastLimitSettings
from wagtail_whatsapp.models.settings_moderation import ModerationSettings
from wagtail_whatsapp.models.settings_panels import SETTINGS_PANELS
from wagtail_whatsapp.models.settings_replies import ReplySettings
from wagtail_whatsapp.models.settings_template_family import TemplateFamilySettings
from wagtail_whatsapp.models.settings_town import TownSettings


@register_setting(icon="mail")
class WhatsAppSettings(
    ClusterableModel,
    BaseSiteSetting,
    ReplySettings,
    TownSettings,
    TemplateFamilySettings,
    BroadcastLimitSettings,
    ModerationSettings,
):
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
    waba_id = models.CharField(
        _("WhatsApp Business Account ID"),
        max_length=64,
        blank=True,
        help_text=_("Meta's ID of the account that owns the number and its templates. Not a secret."),
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

    edit_handler = SETTINGS_PANELS

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

    def choosable_topics(self):
        """The site's topics and places, in the town's order (the list citizens choose from)."""
        return self.topics.order_by("sort_order", "pk")

    def get_service_name(self):
        return self.service_name or self.site.site_name or self.site.hostname

    def clean(self):
        super().clean()
        # Every tab's errors at once, so the town fixes them in one round.
        errors = {**self.template_family_errors(), **self.quiet_hours_errors(), **self.retention_errors()}
        if errors:
            raise ValidationError(errors)
