"""A broadcast (one sending of one page revision) and its deliveries (one per subscriber)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.ids import CallbackDataMixin


class Broadcast(models.Model):
    """One sending of one page revision to every active subscriber of a site."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", verbose_name=_("revision"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=255)
    url = models.URLField(_("page URL"), max_length=1024, blank=True)
    message = models.TextField(_("message"))
    media = models.JSONField(_("media"), default=dict, blank=True)
    template = models.ForeignKey(
        "wagtail_whatsapp.MessageTemplate",
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    template_parameters = models.JSONField(_("template parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    status_reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    delivered_count = models.PositiveIntegerField(_("delivered"), default=0)
    read_count = models.PositiveIntegerField(_("read"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    # Set on the publish path: the database then refuses a second broadcast of the same revision.
    once_per_revision = models.BooleanField(default=False, editable=False)
    # Deliveries exist for every recipient once this is set; a resumed broadcast does not fan out again.
    fanned_out_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A running sender touches this every few seconds; a "sending" broadcast with an old heartbeat lost its consumer.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A broadcast paused for the number's daily messaging limit goes on by itself at this time (messaging_limit.py).
    resume_at = models.DateTimeField(_("goes on at"), null=True, blank=True, editable=False)
    # What the confirmation page estimated (template recipients × the category's price), in the prices' currency;
    # until it ends, a broadcast's estimate not billed yet counts against the site's monthly budget.
    estimated_cost = models.DecimalField(
        _("estimated cost"), max_digits=12, decimal_places=4, null=True, blank=True, editable=False
    )
    # Sent at once, the site's quiet hours notwithstanding (a civil-protection notice): asked for explicitly by someone
    # holding the ``send_urgent`` permission, or by the shell's ``--urgent`` (outbound/schedule.py reads it).
    urgent = models.BooleanField(
        _("urgent"),
        default=False,
        editable=False,
        help_text=_("Sent at once, even in the site's quiet hours."),
    )

    # Paused by itself for this urgent broadcast of the same number (outbound/urgent.py): it goes on by itself once
    # that one no longer sends. An id, not a foreign key: deleting the urgent broadcast must not take this one along.
    yielded_to = models.PositiveIntegerField(null=True, blank=True, editable=False)

    # A broadcast scheduled for a date and time (status SCHEDULED) starts by itself then, planned again for the
    # subscribers of that moment (outbound/scheduled_broadcasts.py).
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True, editable=False, db_index=True)
    # Whoever scheduled it confirmed going over the monthly budget (holding ``exceed_budget``): checked again at start.
    over_budget_confirmed = models.BooleanField(default=False, editable=False)

    # How far ahead a broadcast may be scheduled: news further off is not news yet, and templates and prices change.
    SCHEDULABLE_AHEAD = timedelta(days=60)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision"],
                condition=models.Q(once_per_revision=True),
                name="wagtail_whatsapp_broadcast_once_per_revision",
            ),
        ]

    def __str__(self):
        return self.title


class DeliveryQuerySet(models.QuerySet):
    def template_accepted(self, site_ids, since):
        """Template messages Meta accepted since ``since`` on these sites (failed ones reached nobody): what its
        daily messaging limit counts."""
        return self.filter(
            broadcast__site_id__in=site_ids, used_template=True, sent_at__gte=since, status__in=Delivery.SENT_STATUSES
        )

    def billed(self):
        """Messages Meta bills: its ``pricing`` said billable, and the message did not fail (Meta bills delivered
        messages; a "sent" status may announce a charge that a later failure cancels)."""
        return self.filter(billable=True).exclude(status=Delivery.Status.FAILED)


class Delivery(CallbackDataMixin, models.Model):
    """One subscriber's copy of a broadcast. Unique per (broadcast, subscriber): nobody gets a broadcast twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    # Indexed by the indexes below, which start with it: an index of its own would only be one more to write on every
    # move of a delivery (pending → sending → sent → delivered → read: each move rewrites every index entry).
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    subscriber = models.ForeignKey(
        "wagtail_whatsapp.Subscriber", null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    wamid = models.CharField(_("WhatsApp message ID"), max_length=256, blank=True)  # indexed below
    used_template = models.BooleanField(_("template"), default=False)
    error_code = models.IntegerField(_("error code"), null=True, blank=True)
    error_reason = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # Claiming (pending → sending) is one conditional UPDATE, so two senders never send the same delivery.
    # ``claim_token`` names the batch that claimed it (its sender's id + a number: outbound/claim_leases.py); a delivery
    # left "sending" by a dead sender is reconciled after its lease, never resent blindly.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What Meta's status webhooks said it bills (their ``pricing`` object). It may differ between the sent, delivered
    # and read statuses, so the most advanced status that carried one wins: ``pricing_rank`` is that status's rank.
    billable = models.BooleanField(_("billable"), null=True, blank=True)
    billing_category = models.CharField(_("billing category"), max_length=32, blank=True)
    pricing_model = models.CharField(_("pricing model"), max_length=16, blank=True)
    pricing_type = models.CharField(_("pricing type"), max_length=32, blank=True)
    pricing_rank = models.PositiveSmallIntegerField(default=0, editable=False)

    # Meta accepted the message: it counts as sent, whatever came after.
    SENT_STATUSES = (Status.SENT, Status.DELIVERED, Status.READ)
    # Sent as ``biz_opaque_callback_data`` and echoed in the delivery's status webhooks, so they find it again.
    CALLBACK_PREFIX = "wagtail_whatsapp:delivery:"
    # Meta's messaging limit counts the people reached in a rolling window of this length.
    MESSAGING_LIMIT_WINDOW = timedelta(hours=24)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "subscriber"], name="wagtail_whatsapp_delivery_once"),
        ]
        indexes = [
            # A sender claims the pending deliveries of its broadcast in pk order: with the pk in the index, the next
            # batch is the start of an index range, not a sort of every pending delivery.
            models.Index(fields=["broadcast", "status", "id"]),
            # Status webhooks without our callback data find their delivery by wamid. A Meta index, not db_index: on
            # PostgreSQL db_index adds a second index for LIKE, which nothing here runs.
            models.Index(fields=["wamid"]),
        ]

    def __str__(self):
        return f"{self.broadcast_id}:{self.subscriber_id} {self.status}"

    @property
    def is_billed(self):
        """One delivery by the rule of ``Delivery.objects.billed()``."""
        return self.billable is True and self.status != self.Status.FAILED
