"""Everything the plugin adds to Wagtail's admin: permissions, menus, admin URLs, audit-log actions, home panel."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail_modeladmin.options import modeladmin_register

from wagtail_whatsapp import conf
from wagtail_whatsapp.admin import urls as admin_urls
from wagtail_whatsapp.admin.dashboard import homepage_panel_for
from wagtail_whatsapp.admin.menu import WhatsAppGroup
from wagtail_whatsapp.admin.views.inbox_bulk import BULK_ACTIONS as INBOX_BULK_ACTIONS
from wagtail_whatsapp.sandbox import chat as sandbox_chat

PLUGIN_PERMISSIONS = (
    "send_broadcast",
    "moderate_inbox",
    "manage_subscribers",
    "view_reports",
    "exceed_budget",
    "send_urgent",
)

modeladmin_register(WhatsAppGroup)
# Delete, report and block on the messages ticked in the inbox list, each with its confirmation page.
for bulk_action in INBOX_BULK_ACTIONS:
    hooks.register("register_bulk_action", bulk_action)


@hooks.register("register_permissions")
def register_permissions():
    # Shown in Settings → Groups so a town can give editors and moderators just what they need.
    return Permission.objects.filter(content_type__app_label="wagtail_whatsapp", codename__in=PLUGIN_PERMISSIONS)


@hooks.register("register_admin_urls")
def register_whatsapp_admin_urls():
    return [
        path("whatsapp/", include((admin_urls.urlpatterns, admin_urls.app_name), namespace=admin_urls.app_name)),
    ]


# The sandbox chat: for manage_subscribers only, and only while the sandbox backend stands in for Meta.
class SandboxChatMenuItem(MenuItem):
    def is_shown(self, request):
        return conf.is_sandbox_backend() and sandbox_chat.can_use(request.user)


@hooks.register("register_admin_menu_item")
def register_sandbox_chat_menu_item():
    return SandboxChatMenuItem(
        _("WhatsApp sandbox"), reverse("wagtail_whatsapp_admin:sandbox_chat"), icon_name="mobile-alt", order=10000
    )


# Every moderation and subscriber action is written to Wagtail's audit log (Reports → Site history) with its user.
AUDIT_ACTIONS = {
    "wagtail_whatsapp.message.review": (_("Review WhatsApp message"), _("WhatsApp message marked as reviewed")),
    "wagtail_whatsapp.message.delete": (_("Delete WhatsApp message"), _("WhatsApp message deleted")),
    "wagtail_whatsapp.message.report": (_("Report WhatsApp message"), _("WhatsApp message reported")),
    "wagtail_whatsapp.block": (_("Block WhatsApp number"), _("WhatsApp number blocked")),
    "wagtail_whatsapp.unblock": (_("Unblock WhatsApp number"), _("WhatsApp number unblocked")),
    "wagtail_whatsapp.import": (_("Import WhatsApp subscribers"), _("WhatsApp subscribers imported")),
    "wagtail_whatsapp.export": (_("Export WhatsApp subscribers"), _("WhatsApp subscribers exported")),
    "wagtail_whatsapp.gdpr_export": (_("Export a number's data"), _("Data of a WhatsApp number exported")),
    "wagtail_whatsapp.erase": (_("Erase a number's data"), _("Data of a WhatsApp number erased")),
}


@hooks.register("register_log_actions")
def register_whatsapp_log_actions(actions):
    for action, (label, message) in AUDIT_ACTIONS.items():
        actions.register_action(action, label, message)


@hooks.register("construct_homepage_panels")
def add_whatsapp_homepage_panel(request, panels):
    panel = homepage_panel_for(request)
    if panel is not None:
        panels.append(panel)


# --- Broadcasts: entries in the page's history (the sending engine) ---------------------------------------------------
@hooks.register("register_log_actions")
def register_broadcast_log_actions(actions):
    from django.utils.translation import gettext, ngettext
    from django.utils.translation import gettext_lazy as _
    from wagtail.log_actions import LogFormatter

    @actions.register_action("wagtail_whatsapp.broadcast")
    class BroadcastActionFormatter(LogFormatter):
        label = _("Send via WhatsApp")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            count = data.get("recipients", 0)
            message = ngettext(
                "Sent via WhatsApp to %(count)s subscriber", "Sent via WhatsApp to %(count)s subscribers", count
            ) % {"count": count}
            if data.get("urgent"):
                message = f"{message} ({gettext('urgent: at once, even in the quiet hours')})"
            if data.get("scheduled_for"):
                message = f"{message} ({gettext('as scheduled')})"
            return message

    actions.register_action(
        "wagtail_whatsapp.broadcast_paused", _("Pause WhatsApp broadcast"), _("WhatsApp broadcast paused")
    )
    actions.register_action(
        "wagtail_whatsapp.broadcast_resumed", _("Resume WhatsApp broadcast"), _("WhatsApp broadcast resumed")
    )
    actions.register_action(
        "wagtail_whatsapp.broadcast_cancelled", _("Cancel WhatsApp broadcast"), _("WhatsApp broadcast cancelled")
    )
    actions.register_action(
        "wagtail_whatsapp.template_category_accepted",
        _("Accept a WhatsApp template's new category"),
        _("New category of the WhatsApp template accepted"),
    )


# --- Sending a page via WhatsApp (editor side): menu items, admin views, page history, publish feedback ---


@hooks.register("register_page_action_menu_item")
def register_send_via_whatsapp_action():
    from wagtail_whatsapp.admin.page_actions import SendViaWhatsAppMenuItem

    return SendViaWhatsAppMenuItem()


@hooks.register("register_page_header_buttons")
def send_via_whatsapp_header_button(page, user, view_name, next_url=None):
    from wagtail_whatsapp.admin.page_actions import SendViaWhatsAppPageButton

    yield SendViaWhatsAppPageButton(page=page, priority=45)


@hooks.register("register_page_listing_more_buttons")
def send_via_whatsapp_listing_button(page, user, next_url=None):
    from wagtail_whatsapp.admin.page_actions import SendViaWhatsAppPageButton

    yield SendViaWhatsAppPageButton(page=page, priority=45)


@hooks.register("register_log_actions")
def register_broadcast_refused_log_action(actions):
    from wagtail_whatsapp.outbound.publishing import register_log_actions

    register_log_actions(actions)


@hooks.register("register_log_actions")
def register_scheduled_broadcast_log_actions(actions):
    from wagtail_whatsapp.outbound.scheduled_broadcasts import register_log_actions

    register_log_actions(actions)


@hooks.register("after_publish_page")
def tell_editor_about_whatsapp_broadcast(request, page):
    from wagtail_whatsapp.outbound.publishing import report_publish_outcome

    report_publish_outcome(request, page)


@hooks.register("after_edit_page")
def tell_approver_about_whatsapp_broadcast(request, page):
    from wagtail_whatsapp.outbound.publishing import report_approval_outcome

    report_approval_outcome(request, page)
