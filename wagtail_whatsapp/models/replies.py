from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.ids import CallbackDataMixin
from wagtail_whatsapp.numbers import mask_identity


class Reply(CallbackDataMixin, models.Model):
    """An answer the town owes a citizen (the welcome with the policy and privacy links, the goodbye, the double
    opt-in's question with its "SÌ" button...).

    Recorded in the same transaction as what asked for it (the consent record), then sent once by a task that claims
    it (``inbound/owed_replies.py``): a Graph API error is retried with backoff, a worker that dies mid-way leaves a
    claim that expires, and one that finally fails stays here for the admin to see. It holds no number of its own:
    the recipient is read from the subscriber or the message, so erasing those leaves nothing to send.
    """

    class Kind(models.TextChoices):
        WELCOME = "welcome", _("Welcome")
        CONFIRMATION = "confirmation", _("Confirmation question")
        GOODBYE = "goodbye", _("Goodbye")
        NOT_SUBSCRIBED = "not_subscribed", _("Not subscribed")
        ALREADY_SUBSCRIBED = "already_subscribed", _("Already subscribed")
        NOTICE = "notice", _("Notice")
        TOPICS_LIST = "topics_list", _("List of topics and places")
        TOPICS_CHOSEN = "topics_chosen", _("Choice of topics and places")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")

    # Sent as ``biz_opaque_callback_data``: a status webhook of a reply whose worker died after the call settles it.
    CALLBACK_PREFIX = "wagtail_whatsapp:reply:"

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    # One reply per message: handling a message twice cannot owe two.
    message = models.OneToOneField(
        "wagtail_whatsapp.InboundMessage",
        verbose_name=_("in answer to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reply",
    )
    subscriber = models.ForeignKey(
        "wagtail_whatsapp.Subscriber",
        verbose_name=_("subscriber"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    kind = models.CharField(_("reply"), max_length=32, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("owed since"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    wamid = models.CharField(_("WhatsApp message ID"), max_length=256, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    error_code = models.IntegerField(_("error code"), null=True, blank=True)
    error_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk}"

    @property
    def recipient(self):
        """What the Graph API's ``to`` takes, read from the subscriber or else the message; "" once both are gone."""
        if self.subscriber is not None and self.subscriber.recipient:
            return self.subscriber.recipient
        if self.message is not None:
            return self.message.phone_number.lstrip("+") or self.message.wa_user_id
        return ""

    @property
    def asked_at(self):
        """Where the 24-hour window to answer starts, leniently: the later of when the citizen wrote and when the
        message reached the site. Past the window retrying is pointless; Meta refuses what is really late itself."""
        if self.message is not None:
            return max(self.message.sent_at, self.message.received_at)
        return self.subscriber.last_inbound_at if self.subscriber is not None else None

    @property
    def masked_recipient(self):
        return mask_identity(self.recipient)
