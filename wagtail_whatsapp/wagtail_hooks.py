from django.contrib.auth.models import Permission
from wagtail import hooks

PLUGIN_PERMISSIONS = ("send_broadcast", "moderate_inbox", "manage_subscribers", "view_reports")


@hooks.register("register_permissions")
def register_permissions():
    # Shown in Settings → Groups so a town can give editors and moderators just what they need.
    return Permission.objects.filter(content_type__app_label="wagtail_whatsapp", codename__in=PLUGIN_PERMISSIONS)


# --- sandbox chat (issue 3/4): staff only, only with the sandbox backend ------------------------------------------
from django.urls import include, path, reverse  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402
from wagtail.admin.menu import MenuItem  # noqa: E402

from . import conf, sandbox_chat  # noqa: E402


class SandboxChatMenuItem(MenuItem):
    def is_shown(self, request):
        return conf.is_sandbox_backend() and request.user.is_staff


@hooks.register("register_admin_urls")
def register_sandbox_chat_urls():
    return [path("whatsapp/sandbox/", include(sandbox_chat, namespace="wagtail_whatsapp_sandbox"))]


@hooks.register("register_admin_menu_item")
def register_sandbox_chat_menu_item():
    return SandboxChatMenuItem(
        _("WhatsApp sandbox"), reverse("wagtail_whatsapp_sandbox:chat"), icon_name="mobile-alt", order=10000
    )


# --- Sending a page via WhatsApp (editor side): menu items, admin views, page history, publish feedback ---


@hooks.register("register_page_action_menu_item")
def register_send_via_whatsapp_action():
    from .page_actions import SendViaWhatsAppMenuItem

    return SendViaWhatsAppMenuItem()


@hooks.register("register_page_header_buttons")
def send_via_whatsapp_header_button(page, user, view_name, next_url=None):
    from .page_actions import SendViaWhatsAppPageButton

    yield SendViaWhatsAppPageButton(page=page, priority=45)


@hooks.register("register_page_listing_more_buttons")
def send_via_whatsapp_listing_button(page, user, next_url=None):
    from .page_actions import SendViaWhatsAppPageButton

    yield SendViaWhatsAppPageButton(page=page, priority=45)


@hooks.register("register_admin_urls")
def register_broadcast_admin_urls():
    from . import broadcast_admin_urls

    return [path("whatsapp/", include(broadcast_admin_urls, namespace=broadcast_admin_urls.app_name))]


@hooks.register("register_log_actions")
def register_broadcast_refused_log_action(actions):
    from .publishing import register_log_actions

    register_log_actions(actions)


@hooks.register("after_publish_page")
def tell_editor_about_whatsapp_broadcast(request, page):
    from .publishing import report_publish_outcome

    report_publish_outcome(request, page)
