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
