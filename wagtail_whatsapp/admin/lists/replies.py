"""The Replies list: the automatic replies to citizens (welcome, goodbye...); the ones not sent are the ones to look
at."""

from django.contrib.admin import display
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.read_only_lists import ReadOnlyModelAdmin, helper_for
from wagtail_whatsapp.models import Reply


class ReplyAdmin(ReadOnlyModelAdmin):
    model = Reply
    menu_label = _("Replies")
    menu_icon = "comment"
    menu_order = 350
    permission_helper_class = helper_for(perms.MANAGE_SUBSCRIBERS, perms.VIEW_REPORTS)
    list_filter = ("status", "kind", "site", "created_at")
    list_select_related = ("site", "subscriber", "message")

    def get_list_display(self, request):
        number = "full_number" if perms.can_see_numbers(request.user) else "masked_number"
        return ("created_at", "kind", number, "status", "attempts", "error_code", "error_reason", "site")

    @display(description=_("number"))
    def full_number(self, obj):
        return obj.recipient

    @display(description=_("number"))
    def masked_number(self, obj):
        return obj.masked_recipient
