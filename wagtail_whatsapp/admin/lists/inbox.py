"""The Inbox list: citizens' messages for the moderators (never keyword messages), with Wagtail's bulk-action
checkboxes and the "Mark as reviewed" form."""

from django.contrib.admin import display
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import ButtonHelper

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.read_only_lists import ReadOnlyModelAdmin, WhatsAppIndexView, button, helper_for
from wagtail_whatsapp.models import InboundMessage


class InboxButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        url = reverse("wagtail_whatsapp_admin:inbox_detail", args=[obj.pk])
        return [button(url, _("Open"), _("Open, moderate"))]


class InboxIndexView(WhatsAppIndexView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bulk_review_url"] = reverse("wagtail_whatsapp_admin:inbox_bulk_review")
        return context


# Wagtail's "select all" box heads the checkbox column, rendered when the list is (in the user's language).
_select_all = lazy(lambda: render_to_string("wagtailadmin/bulk_actions/select_all_checkbox_input.html"), SafeString)


class InboxAdmin(ReadOnlyModelAdmin):
    model = InboundMessage
    menu_label = _("Inbox")
    menu_icon = "mail"
    menu_order = 200
    index_view_class = InboxIndexView
    index_template_name = "wagtail_whatsapp/admin/inbox_index.html"
    permission_helper_class = helper_for(perms.MODERATE_INBOX)
    button_helper_class = InboxButtonHelper
    list_display_add_buttons = "preview"
    list_filter = ("state", "flagged", "message_type", "site", "sent_at")
    list_select_related = ("site",)
    # The text moderators read anyway; never the sender's number.
    search_fields = ("text",)
    number_fields = ("phone_number", "wa_user_id", "wamid")

    def get_queryset(self, request):
        return super().get_queryset(request).for_moderation()

    def get_list_display(self, request):
        # The same rule as every list and the message page: full numbers for those who may see them.
        number = "full_number" if perms.can_see_numbers(request.user) else "masked_number"
        return ("select", "sent_at", number, "preview", "kind", "flag_reasons", "state")

    def get_extra_class_names_for_field_col(self, obj, field_name):
        return ["bulk-action-checkbox-cell"] if field_name == "select" else []

    # Methods, not staticmethods: modeladmin reads the description from the function it gets back.
    @display(description=_select_all())
    def select(self, obj):
        # Wagtail's bulk-action checkbox; ``form`` makes it a field of the list's "Mark as reviewed" form too.
        return format_html(
            '<input type="checkbox" name="id" value="{pk}" form="inbox-bulk-review" data-object-id="{pk}" '
            'data-bulk-action-checkbox class="bulk-action-checkbox" aria-label="{label}">',
            pk=obj.pk,
            label=_("Select"),
        )

    @display(description=_("sender"))
    def full_number(self, obj):
        return obj.phone_number or obj.wa_user_id

    @display(description=_("sender"))
    def masked_number(self, obj):
        return obj.masked_sender

    @display(description=_("message"))
    def preview(self, obj):
        if obj.state == InboundMessage.State.DELETED:
            return _("(deleted)")
        return Truncator(obj.text or f"[{obj.type_label}]").chars(80)

    @display(description=_("type"), ordering="message_type")
    def kind(self, obj):
        return obj.type_label

    @display(description=_("flags"))
    def flag_reasons(self, obj):
        return obj.flag_reasons
