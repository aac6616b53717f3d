from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.numbers import mask_sender


class MessageType(models.TextChoices):
    """The types of message Meta names in a webhook ("text", "image"...), with the words moderators read. A type
    Meta adds later is stored all the same and shown as it came."""

    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio or voice message")
    DOCUMENT = "document", _("Document")
    STICKER = "sticker", _("Sticker")
    LOCATION = "location", _("Location")
    CONTACTS = "contacts", _("Contact card")
    BUTTON = "button", _("Button pressed")
    INTERACTIVE = "interactive", _("Choice from a list or button")
    REACTION = "reaction", _("Reaction")
    ORDER = "order", _("Order")
    SYSTEM = "system", _("System notice")
    UNSUPPORTED = "unsupported", _("Not supported by WhatsApp")
    UNKNOWN = "unknown", _("Unknown")


class InboundMessageQuerySet(models.QuerySet):
    def for_moderation(self):
        """What moderators read: every message but the keywords (ISCRIVIMI, "vorrei cancellarmi"...), which the
        consent log keeps. The inbox, its counts and its queue all start here."""
        return self.filter(keyword_action=InboundMessage.Action.NONE)

    def awaiting_review(self):
        """The moderators' queue: the messages nobody has looked at yet."""
        return self.for_moderation().filter(state=InboundMessage.State.NEW)

    def next_to_review(self, after=None):
        """The oldest message awaiting review (other than ``after``, the one just handled), or None."""
        queue = self.awaiting_review()
        if after is not None:
            queue = queue.exclude(pk=after.pk)
        return queue.order_by("sent_at", "pk").first()


class InboundMessage(models.Model):
    """A message a citizen sent to the town's number, stored once per wamid (Meta retries and duplicates)."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        REVIEWED = "reviewed", _("Reviewed")
        DELETED = "deleted", _("Deleted")
        REPORTED = "reported", _("Reported")

    class Action(models.TextChoices):
        NONE = "", _("None")
        SUBSCRIBE = "subscribe", _("Subscribe keyword")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe keyword")
        TOPICS = "topics", _("Choice of topics and places")

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    subscriber = models.ForeignKey(
        "wagtail_whatsapp.Subscriber",
        verbose_name=_("subscriber"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    wamid = models.CharField(_("WhatsApp message ID"), max_length=256, unique=True)
    phone_number = models.CharField(_("sender number"), max_length=20, blank=True)
    wa_user_id = models.CharField(_("sender WhatsApp user ID"), max_length=128, blank=True)
    profile_name = models.CharField(_("profile name"), max_length=256, blank=True)
    message_type = models.CharField(_("type"), max_length=32, choices=MessageType.choices)
    text = models.TextField(_("text"), blank=True)
    media_id = models.CharField(_("media ID"), max_length=128, blank=True)
    media_mime_type = models.CharField(_("media type"), max_length=128, blank=True)
    payload = models.JSONField(_("payload as received"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    processing_attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    # Set once handled (or given up): a claim without it, older than a few minutes, was left by a worker that died.
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    keyword_action = models.CharField(
        _("keyword"), max_length=16, choices=Action.choices, default=Action.NONE, blank=True
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.NEW, db_index=True)

    # Moderation (moderation.py). ``flags`` is a list of {"category": ..., "reason": ...} set on arrival: the automatic
    # check puts a message in evidence ("flagged"); only a moderator reports one (State.REPORTED) to Meta or the
    # authorities. Two different things, two different words in every language.
    flags = models.JSONField(_("flags"), default=list, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False, db_index=True)
    # Who acted last, when and why: for a deleted message this is the tombstone that outlives the wiped content.
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderation_note = models.TextField(_("moderation note"), blank=True)

    objects = InboundMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("received message")
        verbose_name_plural = _("inbox")
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"{self.message_type} {self.wamid}"

    @property
    def type_label(self):
        """The type in the moderators' words; a type Meta adds later shows as Meta names it."""
        return self.get_message_type_display()

    @property
    def masked_sender(self):
        return mask_sender(self.phone_number, self.wa_user_id)

    @property
    def flag_reasons(self):
        return "; ".join(str(flag.get("reason", "")) for flag in self.flags if isinstance(flag, dict))


class StatusUpdate(models.Model):
    """A delivery status webhook, stored once per (wamid, status) so that replays change nothing."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    wamid = models.CharField(_("WhatsApp message ID"), max_length=256)
    status = models.CharField(_("status"), max_length=16)
    timestamp = models.DateTimeField(_("time"))
    recipient_id = models.CharField(_("recipient"), max_length=128, blank=True)
    callback_data = models.CharField(_("callback data"), max_length=512, blank=True)
    error_code = models.IntegerField(_("error code"), null=True, blank=True)
    error_title = models.CharField(_("error"), max_length=512, blank=True)
    payload = models.JSONField(_("payload as received"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    processing_attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    # Set once handled (or given up): a claim without it, older than a few minutes, was left by a worker that died.
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
        constraints = [
            models.UniqueConstraint(fields=["wamid", "status"], name="wagtail_whatsapp_status_once"),
        ]

    def __str__(self):
        return f"{self.status} {self.wamid}"
