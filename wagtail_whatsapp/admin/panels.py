"""The editor's WhatsApp panel on opted-in pages."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class SendOnPublishPanel(FieldPanel):
    """ "Send via WhatsApp when published", shown unticked once the page has been sent: an editor who opens it to
    correct a typo does not send it to everyone again by accident. Ticking it again is one click. Its help says what
    the tick does while the page awaits approval, and why a version published with it was not sent."""

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
            elif page is not None and page.pk:
                self.help_text = self.truthful_help(page) or self.help_text

        @staticmethod
        def truthful_help(page):
            """What the tick will do, or did, on this page's way through a workflow (only holders of send_broadcast
            see the box: for them an approval with the box ticked sends, see outbound/publishing.py)."""
            refusal = page.whatsapp_refusal()
            if refusal is not None:
                return _("The version online was published but NOT sent via WhatsApp: %(reason)s") % {"reason": refusal}
            if page.workflow_in_progress:
                return _(
                    "The page is awaiting approval: if the box is ticked when it is approved, it is published and sent "
                    "via WhatsApp to every subscriber at once. Untick it to publish without sending."
                )
            return None


class TopicsPanel(FieldPanel):
    """The page's topics and places, as boxes to tick: only those of the page's own site (each town its own)."""

    class BoundPanel(FieldPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            field = self.form.fields.get(self.field_name) if self.form is not None else None
            page = self.instance if self.instance is not None and self.instance.pk else None
            page = page or getattr(self.form, "parent_page", None)
            site = page.get_site() if page is not None else None
            if field is not None and site is not None:
                field.queryset = field.queryset.filter(settings__site=site).order_by("sort_order", "pk")
