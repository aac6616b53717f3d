"""The Consent log: every consent a citizen gave or withdrew and what staff did to it (subscribed, unsubscribed,
blocked, erased...), with the policy and privacy notice accepted; append-only, read-only."""

from django.contrib.admin import display
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.read_only_lists import (
    ReadOnlyModelAdmin,
    WhatsAppIndexView,
    helper_for,
    number_digits,
    revision_link,
)
from wagtail_whatsapp.models import ConsentRecord
from wagtail_whatsapp.numbers import mask_sender


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
