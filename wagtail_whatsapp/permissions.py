"""The plugin's four permissions (declared on Subscriber.Meta) and the checks every admin view makes.

Views call ``require(request, ...)``, which raises PermissionDenied (a 403), so a hidden button is never the only
protection. ``show_number`` decides between the full number and its masked form everywhere in the admin.
"""

from django.core.exceptions import PermissionDenied

from .numbers import mask_number

SEND_BROADCAST = "send_broadcast"
MODERATE_INBOX = "moderate_inbox"
MANAGE_SUBSCRIBERS = "manage_subscribers"
VIEW_REPORTS = "view_reports"
ALL = (SEND_BROADCAST, MODERATE_INBOX, MANAGE_SUBSCRIBERS, VIEW_REPORTS)


def has(user, *codenames):
    """True when ``user`` holds at least one of ``codenames``."""
    return any(user.has_perm(f"wagtail_whatsapp.{codename}") for codename in codenames)


def require(request, *codenames):
    if not has(request.user, *codenames):
        raise PermissionDenied


def can_see_numbers(user):
    return has(user, MANAGE_SUBSCRIBERS)


def show_number(user, number, fallback=""):
    if not number:
        return fallback
    return number if can_see_numbers(user) else mask_number(number)
