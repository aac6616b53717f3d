"""When a site's broadcasts may start and what they may cost: the quiet hours and the monthly budget of Settings →
WhatsApp, as an abstract model ``WhatsAppSettings`` inherits."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class BroadcastLimitSettings(models.Model):
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

    class Meta:
        abstract = True

    def in_quiet_hours(self, local_time):
        """True when ``local_time`` (a ``datetime.time``) falls in the quiet hours; they may run past midnight."""
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start is None or end is None or start == end:
            return False
        if start < end:
            return start <= local_time < end
        return local_time >= start or local_time < end

    def quiet_hours_errors(self):
        """``{field: message}`` for quiet hours given by halves (``WhatsAppSettings.clean`` raises them)."""
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            return {"quiet_hours_end": _("Give both the start and the end of the quiet hours, or neither.")}
        return {}
