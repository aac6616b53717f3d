"""Meta's ``user_preferences``: the citizen stopped or resumed marketing messages in WhatsApp itself (events.py's
``PreferenceChange``, queued by ingest.py with its subscriber's id and applied here by tasks.py)."""

from wagtail_whatsapp.models import Subscriber


def apply_preference_change(preference):
    """A ``user_preferences`` stop/resume (marketing messages), recorded on the subscriber; older news is ignored."""
    subscriber = Subscriber.objects.filter(pk=preference["subscriber_id"]).first()
    if subscriber is None:
        return  # erased meanwhile
    at = preference["timestamp"]
    if subscriber.preferences_changed_at is not None and at <= subscriber.preferences_changed_at:
        return
    subscriber.marketing_stopped = preference["value"] == "stop"
    subscriber.preferences_changed_at = at
    subscriber.save(update_fields=["marketing_stopped", "preferences_changed_at", "updated_at"])
