"""The "Send via WhatsApp" entry points in the page admin: the editor's action menu, the page header's "more" menu
and the page listing's "more" menu. One callable, ``can_send_via_whatsapp``, decides for all three (and the views)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.models import WhatsAppBroadcastMixin

ICON = "mail"


def is_opted_in(page):
    """True for pages whose type mixes in WhatsAppBroadcastMixin (works on plain Page instances from listings)."""
    page_class = page.specific_class if hasattr(page, "specific_class") else type(page)
    return page_class is not None and issubclass(page_class, WhatsAppBroadcastMixin)


def can_send_via_whatsapp(page, user):
    """Shown only for live pages of opted-in types, and only to users allowed to send broadcasts."""
    if page is None or user is None or not user.is_authenticated:
        return False
    return bool(page.live) and is_opted_in(page) and perms.has(user, perms.SEND_BROADCAST)


def send_url(page):
    return reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[page.pk])


class SendViaWhatsAppMenuItem(ActionMenuItem):
    """In the editor's action menu (the drop-up next to "Publish"): a link to the confirmation view."""

    label = _("Send via WhatsApp")
    name = "action-send-whatsapp"
    icon_name = ICON
    order = 90

    def is_shown(self, context):
        if context.get("view") != "edit":
            return False
        return can_send_via_whatsapp(context.get("page"), context["request"].user)

    def get_url(self, parent_context):
        return send_url(parent_context["page"])


class SendViaWhatsAppPageButton(PageMenuItem):
    """In the page header's and the page listing's "more" menus."""

    label = _("Send via WhatsApp")
    icon_name = ICON

    def is_shown(self, user):
        return can_send_via_whatsapp(self.page, user)

    @property
    def url(self):
        return send_url(self.page)
