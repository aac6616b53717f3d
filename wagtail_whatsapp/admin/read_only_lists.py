"""The machinery under every WhatsApp admin list: read-only, opened by the plugin's permissions, and safe for users
who see masked numbers (no search, sort or filter reaches a number field they may not see in full)."""

from django.contrib.admin.options import IncorrectLookupParameters
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import IndexView

from wagtail_whatsapp import permissions as perms


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
    index_view_extra_css = ["wagtail_whatsapp/css/lists.css"]
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


def button(url, label, title=None):
    return {"url": url, "label": label, "classname": "button button-small button-secondary", "title": title or label}


def number_digits(search_term):
    """A number however it is typed ("348 123 4511", "+39 348…", "0039 348…") as the digits stored numbers hold."""
    digits = "".join(ch for ch in search_term if ch.isdigit())
    return digits[2:] if digits.startswith("00") else digits


def revision_link(revision):
    """A page revision as a link to Wagtail's view of it: the text a citizen accepted, as it was that day."""
    if revision is None:
        return "—"
    label = gettext("revision %(id)s of %(date)s") % {
        "id": revision.pk,
        "date": date_format(timezone.localtime(revision.created_at), "SHORT_DATETIME_FORMAT"),
    }
    url = reverse("wagtailadmin_pages:revisions_view", args=[revision.object_id, revision.pk])
    return format_html('<a href="{}">{}</a>', url, label)
