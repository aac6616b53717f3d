"""The editor's WhatsApp panel on opted-in pages."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class SendOnPublishPanel(FieldPanel):
    """ "Send via WhatsApp when published", shown unticked once the page has been sent: an editor who opens it to
    correct a typo does not send it to everyone again by accident. Ticking it again is one click."""

    class BoundPanel(FieldPanel.BoundPanel):
        def __init__(self, **kwargs):
            form, field_name, page = kwargs.get("form"), kwargs["panel"].field_name, kwargs.get("instance")
            cleared = (
                form is not None
                and not form.is_bound
                and bool(form.initial.get(field_name))
                and page is not None
                and page.whatsapp_tick_already_used()
            )
            if cleared:
                form.initial[field_name] = False
            super().__init__(**kwargs)
            if cleared:
                self.help_text = _(
                    "Unticked because this page was already sent via WhatsApp. Tick it only to send it again."
                )
