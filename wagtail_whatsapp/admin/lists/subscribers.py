"""The Subscribers list: every citizen with their status and source, totals by status, and the block, unblock and
GDPR buttons for those allowed."""

from django.contrib.admin import display
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import ButtonHelper

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.read_only_lists import (
    ReadOnlyModelAdmin,
    WhatsAppIndexView,
    button,
    helper_for,
    number_digits,
)
from wagtail_whatsapp.models import Subscriber


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
