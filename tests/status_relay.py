"""Meta's part in the tests: a "sent" status webhook for every message the fake Graph API accepted.

Meta sends one for each accepted message, carrying our ``biz_opaque_callback_data``; that is how a delivery left in
doubt (a crash, a timeout) is found to be sent. Tests call this where Meta's webhook would have arrived.
"""

from django.utils import timezone

from wagtail_whatsapp.models import Delivery

CALLBACK_PREFIX = "wagtail_whatsapp:delivery:"


def accepted_callbacks(fake, start=0):
    """``[(callback_data, wamid)]`` of the fake's accepted messages from index ``start``."""
    return [(a.body.get("biz_opaque_callback_data", ""), a.wamid) for a in list(fake.accepted)[start:]]


def deliver_sent_statuses(pairs):
    try:
        from wagtail_whatsapp.deliveries import apply_status_update
    except ImportError:
        apply_status_update = None
    from wagtail_whatsapp.models import StatusUpdate

    for callback_data, wamid in pairs:
        if apply_status_update is not None:
            update, _created = StatusUpdate.objects.get_or_create(
                wamid=wamid,
                status="sent",
                defaults={"timestamp": timezone.now(), "callback_data": callback_data},
            )
            apply_status_update(update)
        elif callback_data.startswith(CALLBACK_PREFIX):
            # What deliveries.apply_status_update does for "sent" (until the webhook branch is merged).
            Delivery.objects.filter(
                pk=int(callback_data[len(CALLBACK_PREFIX) :]),
                status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING],
            ).update(status=Delivery.Status.SENT, wamid=wamid, sent_at=timezone.now())
