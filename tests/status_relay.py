"""Meta's part in the tests: a "sent" status webhook for every message the fake Graph API accepted.

Meta sends one for each accepted message, carrying our ``biz_opaque_callback_data``; that is how a delivery left in
doubt (a crash, a timeout) is found to be sent. Tests call this where Meta's webhook would have arrived.
"""

from django.utils import timezone

from wagtail_whatsapp.inbound.statuses import apply_status_update
from wagtail_whatsapp.models import StatusUpdate


def accepted_callbacks(fake, start=0):
    """``[(callback_data, wamid)]`` of the fake's accepted messages from index ``start``."""
    return [(a.body.get("biz_opaque_callback_data", ""), a.wamid) for a in list(fake.accepted)[start:]]


def deliver_sent_statuses(pairs):
    """Store and apply a "sent" StatusUpdate per ``(callback_data, wamid)``, as the webhook would."""
    for callback_data, wamid in pairs:
        update, created = StatusUpdate.objects.get_or_create(
            wamid=wamid, status="sent", defaults={"timestamp": timezone.now(), "callback_data": callback_data}
        )
        if created:
            apply_status_update(update)
