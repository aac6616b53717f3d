"""The Broadcasts list: each broadcast's figures, and a link to its report (the broadcast engine's views)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail_modeladmin.helpers import ButtonHelper

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.read_only_lists import ReadOnlyModelAdmin, button, helper_for
from wagtail_whatsapp.models import Broadcast


class BroadcastButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        # The report (progress, failures by reason, CSV, pause/resume/cancel) is each broadcast's own page.
        url = reverse("wagtail_whatsapp_admin:broadcast_report", args=[obj.pk])
        return [button(url, pgettext_lazy("a broadcast's figures", "Report"))]


class BroadcastAdmin(ReadOnlyModelAdmin):
    model = Broadcast
    button_helper_class = BroadcastButtonHelper
    menu_label = _("Broadcasts")
    menu_icon = "pick"
    menu_order = 300
    permission_helper_class = helper_for(perms.SEND_BROADCAST, perms.VIEW_REPORTS)
    list_display = (
        "title",
        "site",
        "status",
        "created_at",
        "recipients_count",
        "sent_count",
        "delivered_count",
        "read_count",
        "failed_count",
    )
    list_filter = ("status", "site", "created_at")
    list_select_related = ("site",)
    search_fields = ("title",)
