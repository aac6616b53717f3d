"""The editor's WhatsApp panel on opted-in pages."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


def tick_already_used(page):
    """True when the page was sent via WhatsApp after its latest content was saved: the tick in that content did its
    job, and leaving it ticked would send the page again with the next correction."""
    from .models import Broadcast

    revision = getattr(page, "latest_revision", None) if page is not None and page.pk else None
    if revision is None:
        return False
    return Broadcast.objects.filter(page_id=page.pk, created_at__gte=revision.created_at).exists()


class SendOnPublishPanel(FieldPanel):
    """ "Send via WhatsApp when published", shown unticked once the page has been sent: an editor who opens it to
    correct a typo does not send it to everyone again by accident. Ticking it again is one click."""

    class BoundPanel(FieldPanel.BoundPanel):
        def __init__(self, **kwargs):
            form, field_name = kwargs.get("form"), kwargs["panel"].field_name
            cleared = (
                form is not None
                and not form.is_bound
                and bool(form.initial.get(field_name))
                and tick_already_used(kwargs.get("instance"))
            )
            if cleared:
                form.initial[field_name] = False
            super().__init__(**kwargs)
            if cleared:
                self.help_text = _(
                    "Unticked because this page was already sent via WhatsApp. Tick it only to send it again."
                )
