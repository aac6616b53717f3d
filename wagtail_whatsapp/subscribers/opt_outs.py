"""Opt-outs that outlive erasure: a citizen who wrote CANCELLAMI is remembered as a keyed hash (``OptedOutNumber``) of
their number and WhatsApp user id, so no import, admin form or command subscribes them again. Only their own
ISCRIVIMI (a fresh consent) clears it.
"""

from wagtail_whatsapp.models import OptedOutNumber
from wagtail_whatsapp.subscribers import identities


def remember_opt_out(site, number="", user_id=""):
    identities.remember(OptedOutNumber, site, number, user_id)


def forget_opt_out(site, number="", user_id=""):
    """The citizen subscribed again by themselves."""
    identities.forget(OptedOutNumber, site, number, user_id)


def has_opted_out(site, number="", user_id=""):
    """True when this citizen wrote CANCELLAMI and has not written ISCRIVIMI since (erased or not)."""
    return identities.is_remembered(OptedOutNumber, site, number, user_id)
