"""Every wagtail-modeladmin registration of the plugin, in one module: the "WhatsApp" menu.

Subscribers, Inbox, Broadcasts, Replies, Templates and Consent log. Lists are read-only here; what changes data (import,
block, moderation, GDPR) goes through the views in ``views/`` and the plain functions they call. Who sees a list is
decided by the plugin's permissions (permissions.py); numbers are masked for anyone without manage_subscribers.
"""

from django.contrib.admin import display
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdminGroup

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.read_only_lists import (
    ReadOnlyModelAdmin,
    WhatsAppIndexView,
    button,
    helper_for,
    number_digits,
    revision_link,
)
from wagtail_whatsapp.models import Broadcast, ConsentRecord, InboundMessage, MessageTemplate, Reply, Subscriber
from wagtail_whatsapp.numbers import mask_sender

# --- Subscribers ---------------------------------------------------------------------------------------------------


class SubscriberIndexView(WhatsAppIndexView):
    def get_search_results(self, request, queryset, search_term):
        # Search by number however it is typed ("348 123 4511", "+39348...", "0039..."): compare digits. Only for
        # those who may see numbers (get_search_fields leaves the others none).
        if not self.search_fields or not search_term.strip():
            return queryset
        digits = number_digits(search_term)
        return queryset.filter(phone_number__contains=digits) if digits else queryset.none()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(self.queryset.order_by().values_list("status").annotate(n=Count("pk")))
        context["totals"] = [(label, counts.get(value, 0)) for value, label in Subscriber.Status.choices]
        context["totals_all"] = sum(counts.values())
        context["can_manage"] = perms.can_see_numbers(self.request.user)
        return context


class SubscriberButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        user = self.request.user
        buttons = []
        if perms.has(user, perms.MANAGE_SUBSCRIBERS, perms.MODERATE_INBOX):
            if obj.status == Subscriber.Status.BLOCKED:
                url = reverse("wagtail_whatsapp_admin:subscriber_unblock", args=[obj.pk])
                buttons.append(button(url, _("Unblock")))
            else:
                url = reverse("wagtail_whatsapp_admin:subscriber_block", args=[obj.pk])
                buttons.append(button(url, _("Block")))
        if perms.can_see_numbers(user) and (obj.phone_number or obj.wa_user_id):
            # By id, not by number: a full number in a URL ends up in access logs.
            url = reverse("wagtail_whatsapp_admin:gdpr") + f"?subscriber={obj.pk}"
            buttons.append(button(url, _("Data request (GDPR)")))
        return buttons


class SubscriberAdmin(ReadOnlyModelAdmin):
    model = Subscriber
    menu_label = _("Subscribers")
    menu_icon = "user"
    menu_order = 100
    index_view_class = SubscriberIndexView
    index_template_name = "wagtail_whatsapp/admin/subscriber_index.html"
    permission_helper_class = helper_for(perms.MANAGE_SUBSCRIBERS, perms.VIEW_REPORTS, perms.MODERATE_INBOX)
    button_helper_class = SubscriberButtonHelper
    list_filter = ("status", "source", "site", "subscribed_at", "unsubscribed_at")
    list_select_related = ("site",)
    search_fields = ("phone_number",)
    number_fields = ("phone_number", "wa_user_id")

    def get_list_display(self, request):
        number = "full_number" if perms.can_see_numbers(request.user) else "masked_number"
        return (number, "profile_name", "status", "source", "site", "subscribed_at", "unsubscribed_at")

    @display(description=_("number"))
    def full_number(self, obj):
        return obj.phone_number or obj.wa_user_id

    @display(description=_("number"))
    def masked_number(self, obj):
        return obj.masked_number


# --- Inbox ---------------------------------------------------------------------------------------------------------


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


# --- Broadcasts (the broadcast engine extends this registration with its report views) ----------------------------


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


# --- Replies (welcome, goodbye...: the ones not sent are the ones to look at) --------------------------------------


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


# --- Templates (synced from Meta, read-only) ---------------------------------------------------------------------


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


# --- Consent log (append-only, read-only) ------------------------------------------------------------------------


class ConsentRecordIndexView(WhatsAppIndexView):
    def get_search_results(self, request, queryset, search_term):
        # Only for those who may see numbers (get_search_fields leaves the others none): a number however it is
        # typed, or words of the note.
        if not self.search_fields or not search_term.strip():
            return queryset
        found = Q(note__icontains=search_term.replace("\x00", ""))
        if digits := number_digits(search_term):
            found |= Q(phone_number__contains=digits) | Q(wa_user_id__contains=digits)
        return queryset.filter(found)


class ConsentRecordAdmin(ReadOnlyModelAdmin):
    model = ConsentRecord
    menu_label = _("Consent log")
    menu_icon = "list-ul"
    menu_order = 500
    index_view_class = ConsentRecordIndexView
    permission_helper_class = helper_for(perms.MANAGE_SUBSCRIBERS, perms.VIEW_REPORTS)
    list_filter = ("action", "site", "created_at")
    list_select_related = ("site", "performed_by", "policy_revision", "privacy_revision")
    search_fields = ("phone_number", "wa_user_id", "note")
    # A note may quote a citizen's number (a block's reason): searched only by those who see numbers, as numbers are.
    number_fields = ("phone_number", "wa_user_id", "message_wamid", "note")

    def get_list_display(self, request):
        revisions = ("accepted_policy", "accepted_privacy_notice")
        if perms.can_see_numbers(request.user):
            return ("created_at", "action", "full_number", *revisions, "site", "performed_by", "message_wamid", "note")
        # A wamid is no secret code: Meta's encodes the citizen's number (base64), so it is shown with numbers only.
        return ("created_at", "action", "masked_number", *revisions, "site", "performed_by", "note")

    @display(description=_("number"))
    def full_number(self, obj):
        return obj.phone_number or obj.wa_user_id

    @display(description=_("number"))
    def masked_number(self, obj):
        return mask_sender(obj.phone_number, obj.wa_user_id)

    @display(description=_("policy accepted"))
    def accepted_policy(self, obj):
        return revision_link(obj.policy_revision)

    @display(description=_("privacy notice accepted"))
    def accepted_privacy_notice(self, obj):
        return revision_link(obj.privacy_revision)


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
