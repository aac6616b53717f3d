from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.numbers import mask_sender

# Meta's customer-service window: a citizen's message opens 24 hours in which the town may write freely.
SERVICE_WINDOW = timedelta(hours=24)


class SubscriberQuerySet(models.QuerySet):
    def active(self, site=None):
        """The subscribers who receive broadcasts (of ``site``, a Site or its id, when given)."""
        subscribers = self.filter(status=Subscriber.Status.ACTIVE)
        return subscribers if site is None else subscribers.filter(site=site)

    def in_service_window(self, now=None):
        """Those who wrote in the last 24 hours: they may get free-form messages; the others only templates."""
        return self.filter(last_inbound_at__gt=(now or timezone.now()) - SERVICE_WINDOW)


class Subscriber(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BLOCKED = "blocked", _("Blocked")
        UNREACHABLE = "unreachable", _("Unreachable")

    class Source(models.TextChoices):
        WHATSAPP = "whatsapp", _("WhatsApp message")
        IMPORTED = "imported", _("Imported list")
        ADMIN = "admin", _("Added in the admin")

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    # E.164 ("+393331234567"); empty when Meta sends only the business-scoped user id.
    phone_number = models.CharField(_("phone number"), max_length=20, blank=True)
    wa_user_id = models.CharField(_("WhatsApp user ID"), max_length=128, blank=True)
    profile_name = models.CharField(_("profile name"), max_length=256, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.WHATSAPP)
    subscribed_at = models.DateTimeField(_("subscribed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    last_inbound_at = models.DateTimeField(_("last message received at"), null=True, blank=True)
    marketing_stopped = models.BooleanField(_("stopped marketing messages in WhatsApp"), default=False)
    preferences_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_already_subscribed_reply_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_notice_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Topics and places chosen (models/topics.py); none chosen: everything.
    topics = models.ManyToManyField(
        "wagtail_whatsapp.Topic", verbose_name=_("topics and places"), blank=True, related_name="subscribers"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["-subscribed_at", "-pk"]
        indexes = [models.Index(fields=["site", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "phone_number"],
                condition=~models.Q(phone_number=""),
                name="wagtail_whatsapp_subscriber_unique_number",
            ),
            models.UniqueConstraint(
                fields=["site", "wa_user_id"],
                condition=~models.Q(wa_user_id=""),
                name="wagtail_whatsapp_subscriber_unique_user_id",
            ),
        ]
        permissions = [
            ("send_broadcast", _("Can send pages via WhatsApp")),
            ("moderate_inbox", _("Can moderate WhatsApp messages")),
            ("manage_subscribers", _("Can manage WhatsApp subscribers (full numbers, export, import, erase)")),
            ("view_reports", _("Can view WhatsApp broadcast reports")),
            ("exceed_budget", _("Can send a WhatsApp broadcast that goes over the monthly budget")),
            ("send_urgent", _("Can send an urgent WhatsApp broadcast at once, even in the quiet hours")),
        ]

    def __str__(self):
        return self.masked_number

    @property
    def masked_number(self):
        return mask_sender(self.phone_number, self.wa_user_id)

    @property
    def recipient(self):
        """What the Graph API's ``to`` takes: the number when known, else the business-scoped user id."""
        return self.phone_number.lstrip("+") if self.phone_number else self.wa_user_id

    def in_service_window(self, now=None):
        """True while the 24-hour customer-service window opened by the citizen's last message is open."""
        return self.window_is_open(self.last_inbound_at, now)

    @staticmethod
    def window_is_open(last_inbound_at, now=None):
        """The service window's rule, for code that reads ``last_inbound_at`` without the whole subscriber."""
        return last_inbound_at is not None and (now or timezone.now()) - last_inbound_at < SERVICE_WINDOW
