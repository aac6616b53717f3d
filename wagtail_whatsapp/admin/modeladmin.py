"""Every wagtail-modeladmin registration of the plugin, in one module: the "WhatsApp" menu.

Subscribers, Inbox, Broadcasts, Replies, Templates and Consent log. Lists are read-only here; what changes data (import,
block, moderation, GDPR) goes through the views in ``views/`` and the plain functions they call. Who sees a list is
decided by the plugin's permissions (permissions.py); numbers are masked for anyone without manage_subscribers.
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import IndexView

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.models import Broadcast, ConsentRecord, InboundMessage, MessageTemplate, Reply, Subscriber
from wagtail_whatsapp.numbers import mask_sender


class ReadOnlyPermissionHelper(PermissionHelper):
    """Lists only: nobody adds, edits or deletes these rows through modeladmin. ``list_permissions`` are the plugin
    permissions (any one of them) that open the list."""

    list_permissions = perms.ALL

    def user_has_any_permissions(self, user):
        return perms.has(user, *self.list_permissions)

    def user_can_list(self, user):
        return self.user_has_any_permissions(user)

    def user_can_create(self, user):
        return False

    def user_can_inspect_obj(self, user, obj):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class UnknownFilter(IncorrectLookupParameters):
    pass


class WhatsAppIndexView(IndexView):
    """modeladmin's list, answering 403 (not Wagtail's redirect) to users without the list's permission, and 400 with
    the reason to a filter the list does not offer or a filter value it cannot read (modeladmin raises: a 500).

    For users who see masked numbers, nothing in the address sorts or searches by a number field: a search or a sort
    that answered differently for "348" and "349" would give the number back one digit at a time.
    """

    # modeladmin's own ?export=csv|xlsx would write cells without the plugin's spreadsheet-safe CSV (and for any user
    # who can open the list): the plugin's exports are views of their own.
    FORMATS = ()

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_helper.user_can_list(request.user):
            return perms.forbidden(request)
        try:
            return super().dispatch(request, *args, **kwargs)
        except UnknownFilter as unknown:
            reason = gettext("This list has no filter “%(names)s”.") % {"names": unknown}
        except IncorrectLookupParameters:
            reason = gettext("A filter of this list has a value that is not valid, e.g. a date that does not exist.")
        title = self.get_page_title()
        context = {"page_title": title, "header_title": title, "header_icon": "warning", "reason": reason}
        return TemplateResponse(request, "wagtail_whatsapp/admin/bad_filter.html", context, status=400)

    def get_filters(self, request):
        # Only the filters of the list's side panel. modeladmin would apply any lookup of the query string, and
        # ?phone_number__startswith=… would then reveal the numbers the list masks (or created_by__password… worse).
        specs, has_filters, remaining, use_distinct = super().get_filters(request)
        if remaining:
            raise UnknownFilter(", ".join(sorted(remaining)))
        return specs, has_filters, remaining, use_distinct

    def get_search_results(self, request, queryset, search_term):
        if not self.search_fields:
            return queryset
        # No stored text holds a NUL byte, and PostgreSQL refuses a query with one (a 500): search without it.
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def get_ordering_field(self, field_name):
        order_field = super().get_ordering_field(field_name)
        if order_field and self.model_admin.hides_field(self.request.user, order_field):
            return None
        return order_field


class ReadOnlyModelAdmin(ModelAdmin):
    """Registers the list URL only: no create, edit, delete, inspect or history view exists to be reached."""

    index_view_class = WhatsAppIndexView
    # Fields holding a citizen's number or WhatsApp user id: searched and sorted only by those who see full numbers.
    number_fields = ()

    def hides_field(self, user, lookup):
        """True when ``lookup`` (a search field or an ordering, with its ``-``/``^``/``__`` decorations) reaches a
        number field that ``user`` may not see in full."""
        field = lookup.lstrip("-^=@").split("__")[0]
        return field in self.number_fields and not perms.can_see_numbers(user)

    def get_search_fields(self, request):
        return tuple(field for field in self.search_fields or () if not self.hides_field(request.user, field))

    def get_admin_urls_for_registration(self):
        return tuple(url for url in super().get_admin_urls_for_registration() if url.name.endswith("_index"))


def helper_for(*codenames):
    return type("PermissionHelper", (ReadOnlyPermissionHelper,), {"list_permissions": codenames})


def _button(url, label, title=None):
    return {"url": url, "label": label, "classname": "button button-small button-secondary", "title": title or label}


# --- Subscribers ---------------------------------------------------------------------------------------------------


class SubscriberIndexView(WhatsAppIndexView):
    def get_search_results(self, request, queryset, search_term):
        # Search by number however it is typed ("348 123 4511", "+39348...", "0039..."): compare digits. Only for
        # those who may see numbers (get_search_fields leaves the others none).
        digits = "".join(ch for ch in search_term if ch.isdigit())
        if not self.search_fields or not search_term.strip():
            return queryset
        if digits.startswith("00"):
            digits = digits[2:]
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
                buttons.append(_button(url, _("Unblock")))
            else:
                url = reverse("wagtail_whatsapp_admin:subscriber_block", args=[obj.pk])
                buttons.append(_button(url, _("Block")))
        if perms.can_see_numbers(user) and (obj.phone_number or obj.wa_user_id):
            # By id, not by number: a full number in a URL ends up in access logs.
            url = reverse("wagtail_whatsapp_admin:gdpr") + f"?subscriber={obj.pk}"
            buttons.append(_button(url, _("Data request (GDPR)")))
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

    @staticmethod
    def full_number(obj):
        return obj.phone_number or obj.wa_user_id

    full_number.short_description = _("number")

    @staticmethod
    def masked_number(obj):
        return obj.masked_number

    masked_number.short_description = _("number")


# --- Inbox ---------------------------------------------------------------------------------------------------------


class InboxButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        url = reverse("wagtail_whatsapp_admin:inbox_detail", args=[obj.pk])
        return [_button(url, _("Open"), _("Open, moderate"))]


class InboxAdmin(ReadOnlyModelAdmin):
    model = InboundMessage
    menu_label = _("Inbox")
    menu_icon = "mail"
    menu_order = 200
    permission_helper_class = helper_for(perms.MODERATE_INBOX)
    button_helper_class = InboxButtonHelper
    list_display = ("sent_at", "sender", "preview", "message_type", "flag_reasons", "state")
    list_display_add_buttons = "preview"
    list_filter = ("state", "flagged", "message_type", "site", "sent_at")
    list_select_related = ("site",)
    # The text moderators read anyway; never the sender's number.
    search_fields = ("text",)
    number_fields = ("phone_number", "wa_user_id", "wamid")

    def sender(self, obj):
        # Always masked in the list: moderators judge content, not numbers (the message page follows the permission).
        return obj.masked_sender

    sender.short_description = _("sender")

    def preview(self, obj):
        if obj.state == InboundMessage.State.DELETED:
            return _("(deleted)")
        return Truncator(obj.text or f"[{obj.message_type}]").chars(80)

    preview.short_description = _("message")

    def flag_reasons(self, obj):
        return obj.flag_reasons

    flag_reasons.short_description = _("flags")


# --- Broadcasts (the broadcast engine extends this registration with its report views) ----------------------------


class BroadcastButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        # The report (progress, failures by reason, CSV, pause/resume/cancel) is each broadcast's own page.
        url = reverse("wagtail_whatsapp_admin:broadcast_report", args=[obj.pk])
        return [_button(url, _("Report"))]


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

    @staticmethod
    def full_number(obj):
        return obj.recipient

    full_number.short_description = _("number")

    @staticmethod
    def masked_number(obj):
        return obj.masked_recipient

    masked_number.short_description = _("number")


# --- Templates (synced from Meta, read-only) ---------------------------------------------------------------------


class MessageTemplateAdmin(ReadOnlyModelAdmin):
    model = MessageTemplate
    menu_label = _("Templates")
    menu_icon = "doc-full"
    menu_order = 400
    permission_helper_class = helper_for(*perms.ALL)
    list_display = ("name", "language", "category", "status", "synced_at")
    list_filter = ("status", "category", "language")
    search_fields = ("name",)


# --- Consent log (append-only, read-only) ------------------------------------------------------------------------


class ConsentRecordAdmin(ReadOnlyModelAdmin):
    model = ConsentRecord
    menu_label = _("Consent log")
    menu_icon = "list-ul"
    menu_order = 500
    permission_helper_class = helper_for(perms.MANAGE_SUBSCRIBERS, perms.VIEW_REPORTS)
    list_filter = ("action", "site", "created_at")
    list_select_related = ("site", "performed_by")
    number_fields = ("phone_number", "wa_user_id", "message_wamid")

    def get_list_display(self, request):
        if perms.can_see_numbers(request.user):
            return ("created_at", "action", "full_number", "site", "performed_by", "message_wamid", "note")
        # A wamid is no secret code: Meta's encodes the citizen's number (base64), so it is shown with numbers only.
        return ("created_at", "action", "masked_number", "site", "performed_by", "note")

    @staticmethod
    def full_number(obj):
        return obj.phone_number or obj.wa_user_id

    full_number.short_description = _("number")

    @staticmethod
    def masked_number(obj):
        return mask_sender(obj.phone_number, obj.wa_user_id)

    masked_number.short_description = _("number")


class WhatsAppGroup(ModelAdminGroup):
    menu_label = _("WhatsApp")
    menu_icon = "mail"
    menu_order = 250
    items = (SubscriberAdmin, InboxAdmin, BroadcastAdmin, ReplyAdmin, MessageTemplateAdmin, ConsentRecordAdmin)
