"""Signals for normalised WhatsApp events, so a site can hook in without touching the plugin.

Every signal is sent once per event (never again for a replayed webhook), after the event is stored, from the Huey
task that processes it. Receivers get keyword arguments only.
"""

from django.dispatch import Signal

# message=InboundMessage, site=Site, subscriber=Subscriber | None
message_received = Signal()

# status_update=StatusUpdate, site=Site | None
status_updated = Signal()

# subscriber=Subscriber, site=Site, consent=ConsentRecord, reactivated=bool
subscribed = Signal()

# subscriber=Subscriber, site=Site, consent=ConsentRecord
unsubscribed = Signal()

# Every webhook change whose field the plugin does not handle itself (template status, quality and category updates,
# account updates...): field=str, value=dict, site=Site | None
change_received = Signal()
