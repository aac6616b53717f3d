"""The Templates list: the message templates synced from Meta, read-only."""

from django.contrib.admin import display
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.read_only_lists import ReadOnlyModelAdmin, helper_for
from wagtail_whatsapp.models import MessageTemplate


class MessageTemplateAdmin(ReadOnlyModelAdmin):
    model = MessageTemplate
    menu_label = _("Templates")
    menu_icon = "doc-full"
    menu_order = 400
    permission_helper_class = helper_for(*perms.ALL)
    list_display = ("name", "language", "category_label", "status_label", "synced_at")
    list_filter = ("status", "category", "language")
    search_fields = ("name",)

    # In words; a code Meta adds later is shown as it came (a choice field's own column would show "-").
    @display(description=_("category"), ordering="category")
    def category_label(self, obj):
        return obj.get_category_display()

    @display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return obj.get_status_display()
