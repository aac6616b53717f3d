"""The texts citizens receive in answer to their messages, filled from the site's WhatsApp settings (sent, retried
and accounted for by owed_replies.py).

The texts are edited by the town, so they may contain typos: an unknown placeholder (``{foo}``) or a stray brace is
left as written instead of crashing the worker.
"""

import logging
import re

from wagtail_whatsapp.backends.base import ReplyButton

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# The double opt-in's one button under the confirmation question. Its id comes back in Meta's ``button_reply``; the
# title is Italian on purpose, like every text citizens read.
CONFIRM_BUTTON = ReplyButton(id="wagtail_whatsapp:confirm_subscription", title="SÌ")
# Replies that carry buttons: kind → its buttons (every other reply is plain text).
BUTTONS = {"confirmation": (CONFIRM_BUTTON,)}


def page_url(page):
    """Absolute URL of a live page, or ``""`` (unset, unpublished or not under a site)."""
    if page is None or not page.live:
        return ""
    try:
        return page.get_full_url() or ""
    except Exception:  # a page moved outside every site must not stop the welcome message
        logger.warning("WhatsApp: no URL for page %s", page.pk, exc_info=True)
        return ""


def reply_context(settings):
    return {
        "service_name": settings.get_service_name(),
        "policy_url": page_url(settings.policy_page),
        "privacy_url": page_url(settings.privacy_page),
        "subscribe_keyword": settings.subscribe_keyword,
        "unsubscribe_keyword": settings.unsubscribe_keyword,
        "site_url": settings.site.root_url,
    }


def fill(template, context):
    """``template`` with its ``{placeholders}`` replaced; unknown ones stay as written."""

    def replace(match):
        value = context.get(match.group(1))
        return match.group(0) if value is None else str(value)

    return _PLACEHOLDER.sub(replace, template)
