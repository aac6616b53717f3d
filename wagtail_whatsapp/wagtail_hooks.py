from django.contrib.auth.models import Permission
from wagtail import hooks

PLUGIN_PERMISSIONS = ("send_broadcast", "moderate_inbox", "manage_subscribers", "view_reports")


@hooks.register("register_permissions")
def register_permissions():
    # Shown in Settings → Groups so a town can give editors and moderators just what they need.
    return Permission.objects.filter(content_type__app_label="wagtail_whatsapp", codename__in=PLUGIN_PERMISSIONS)
