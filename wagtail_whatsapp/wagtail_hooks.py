from django.contrib.auth.models import Permission
from wagtail import hooks

PLUGIN_PERMISSIONS = ("send_broadcast", "moderate_inbox", "manage_subscribers", "view_reports")


@hooks.register("register_permissions")
def register_permissions():
    # Shown in Settings → Groups so a town can give editors and moderators just what they need.
    return Permission.objects.filter(content_type__app_label="wagtail_whatsapp", codename__in=PLUGIN_PERMISSIONS)


# --- Broadcasts: entries in the page's history (issue 5, sending engine) ---------------------------------------------
@hooks.register("register_log_actions")
def register_broadcast_log_actions(actions):
    from django.utils.translation import gettext_lazy as _
    from django.utils.translation import ngettext
    from wagtail.log_actions import LogFormatter

    @actions.register_action("wagtail_whatsapp.broadcast")
    class BroadcastActionFormatter(LogFormatter):
        label = _("Send via WhatsApp")

        def format_message(self, log_entry):
            count = (log_entry.data or {}).get("recipients", 0)
            return ngettext(
                "Sent via WhatsApp to %(count)s subscriber", "Sent via WhatsApp to %(count)s subscribers", count
            ) % {"count": count}

    actions.register_action(
        "wagtail_whatsapp.broadcast_paused", _("Pause WhatsApp broadcast"), _("WhatsApp broadcast paused")
    )
    actions.register_action(
        "wagtail_whatsapp.broadcast_resumed", _("Resume WhatsApp broadcast"), _("WhatsApp broadcast resumed")
    )
    actions.register_action(
        "wagtail_whatsapp.broadcast_cancelled", _("Cancel WhatsApp broadcast"), _("WhatsApp broadcast cancelled")
    )
