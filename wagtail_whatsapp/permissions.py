"""The plugin's five permissions (declared on Subscriber.Meta) and the checks every admin view makes.

Views are wrapped in ``@required(...)``, which answers 403 to anyone else, so a hidden button is never the only
protection. (Wagtail turns a raised PermissionDenied into a redirect to the dashboard; an explicit 403 response
tells the browser, scripts and tests the truth.)
``show_number`` decides between the full number and its masked form everywhere in the admin.
"""

from functools import wraps

from django.template.response import TemplateResponse

from wagtail_whatsapp.numbers import mask_sender

SEND_BROADCAST = "send_broadcast"
MODERATE_INBOX = "moderate_inbox"
MANAGE_SUBSCRIBERS = "manage_subscribers"
VIEW_REPORTS = "view_reports"
# Each of these opens the WhatsApp menu and the home-page panel.
ALL = (SEND_BROADCAST, MODERATE_INBOX, MANAGE_SUBSCRIBERS, VIEW_REPORTS)
# On top of send_broadcast, never alone: send a broadcast that would go over the site's monthly budget.
EXCEED_BUDGET = "exceed_budget"


def has(user, *codenames):
    """True when ``user`` holds at least one of ``codenames``."""
    return any(user.has_perm(f"wagtail_whatsapp.{codename}") for codename in codenames)


def forbidden(request):
    return TemplateResponse(request, "wagtail_whatsapp/admin/403.html", status=403)


def required(*codenames):
    """View decorator: the view runs only for users holding one of ``codenames``; others get a 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has(request.user, *codenames):
                return forbidden(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def can_see_numbers(user):
    return has(user, MANAGE_SUBSCRIBERS)


def show_number(user, number, user_id=""):
    """The citizen's number (or, without one, their WhatsApp user id): in full for those who may see numbers."""
    if can_see_numbers(user):
        return number or user_id
    return mask_sender(number, user_id) if number or user_id else ""
