"""The "WhatsApp" menu: the wagtail-modeladmin group of the plugin's lists (one module each in ``admin/lists/``), with
the Statistics page, not a model's list, among them. ``wagtail_hooks.py`` registers it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail_modeladmin.options import ModelAdminGroup

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.lists.broadcasts import BroadcastAdmin
from wagtail_whatsapp.admin.lists.consent_log import ConsentRecordAdmin
from wagtail_whatsapp.admin.lists.inbox import InboxAdmin
from wagtail_whatsapp.admin.lists.message_templates import MessageTemplateAdmin
from wagtail_whatsapp.admin.lists.replies import ReplyAdmin
from wagtail_whatsapp.admin.lists.subscribers import SubscriberAdmin


class WhatsAppGroup(ModelAdminGroup):
    menu_label = _("WhatsApp")
    menu_icon = "mail"
    menu_order = 250
    items = (SubscriberAdmin, InboxAdmin, BroadcastAdmin, ReplyAdmin, MessageTemplateAdmin, ConsentRecordAdmin)

    def get_submenu_items(self):
        # The statistics page is not a model's list: it follows the broadcasts, for those who may read reports.
        items = super().get_submenu_items()
        items.insert(
            3,
            StatisticsMenuItem(
                _("Statistics"), reverse("wagtail_whatsapp_admin:statistics"), icon_name="table", order=3
            ),
        )
        return items


class StatisticsMenuItem(MenuItem):
    def is_shown(self, request):
        return perms.has(request.user, perms.VIEW_REPORTS, perms.SEND_BROADCAST)
