"""What a site's number understands and answers: the keywords citizens write and the replies they get.

The fields of the "Keywords" and "Replies" panels of Settings → WhatsApp, as an abstract model ``WhatsAppSettings``
inherits, with the one reading of a keywords field the whole plugin shares (``keyword_list``) and the one way a
keyword is compared with what a citizen wrote (``normalise``).
"""

import re
import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.models.settings_defaults import (
    DEFAULT_ALREADY_SUBSCRIBED,
    DEFAULT_CONFIRMATION_QUESTION,
    DEFAULT_GOODBYE,
    DEFAULT_NOT_SUBSCRIBED,
    DEFAULT_NOTICE,
    DEFAULT_SUBSCRIBE_KEYWORDS,
    DEFAULT_UNSUBSCRIBE_KEYWORDS,
    DEFAULT_WELCOME,
)

# The keyword fields hold one keyword per line; commas and semicolons are accepted too.
KEYWORD_SEPARATORS = re.compile(r"[\n,;]+")


# Anything that is neither a letter nor a digit, at either end of the text (spaces, punctuation, emoji).
_EDGE_NOISE = re.compile(r"^[\W_]+|[\W_]+$")
_INNER_SPACES = re.compile(r"\s+")


def keyword_list(text):
    """A keywords field as the town wrote it, one keyword an item, blanks dropped."""
    return [item.strip() for item in KEYWORD_SEPARATORS.split(text) if item.strip()]


def normalise(text):
    """Fold ``text`` for comparison: no accents, upper case, no surrounding spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = without_accents.casefold().upper()
    folded = _EDGE_NOISE.sub("", folded)
    return _INNER_SPACES.sub(" ", folded)


class ReplySettings(models.Model):
    subscribe_keywords = models.TextField(
        _("subscribe keywords"),
        default=DEFAULT_SUBSCRIBE_KEYWORDS,
        help_text=_("One per line. Case, accents, spaces and punctuation are ignored."),
    )
    unsubscribe_keywords = models.TextField(
        _("unsubscribe keywords"),
        default=DEFAULT_UNSUBSCRIBE_KEYWORDS,
        help_text=_("One per line. Case, accents, spaces and punctuation are ignored."),
    )
    understand_phrasings = models.BooleanField(
        _("understand common phrasings"),
        default=True,
        help_text=_(
            "Also understand “vorrei iscrivermi”, “cancellatemi”, “non voglio più ricevere messaggi” and keywords "
            "with a typo. Questions are never taken for a keyword. Off: only the keywords above, as written."
        ),
    )
    welcome_message = models.TextField(
        _("welcome message"),
        default=DEFAULT_WELCOME,
        help_text=_(
            "Sent on subscription. Placeholders: {service_name}, {policy_url}, {privacy_url}, "
            "{subscribe_keyword}, {unsubscribe_keyword}, {site_url}."
        ),
    )
    double_opt_in = models.BooleanField(
        _("ask to confirm subscriptions (double opt-in)"),
        default=False,
        help_text=_(
            "Whoever writes the subscribe keyword first gets the question below with a “SÌ” button, and is "
            "subscribed only after tapping it (or answering SÌ). Requests not confirmed within 24 hours are deleted "
            "and leave no data behind. Off: the keyword subscribes at once."
        ),
    )
    confirmation_message = models.TextField(
        _("confirmation question"),
        default=DEFAULT_CONFIRMATION_QUESTION,
        max_length=1024,  # Meta's limit for the body of a message with buttons
        help_text=_(
            "Sent with the “SÌ” button when the double opt-in is on. Same placeholders as the welcome message."
        ),
    )
    goodbye_message = models.TextField(_("goodbye message"), default=DEFAULT_GOODBYE)
    not_subscribed_message = models.TextField(
        _("“not subscribed” message"),
        default=DEFAULT_NOT_SUBSCRIBED,
        blank=True,
        help_text=_(
            "Sent to a number that asks to unsubscribe without being subscribed. Leave empty to answer nothing."
        ),
    )
    already_subscribed_message = models.TextField(
        _("“already subscribed” message"),
        default=DEFAULT_ALREADY_SUBSCRIBED,
        help_text=_("Sent at most once a day to a subscriber who writes the subscribe keyword again."),
    )
    notice_enabled = models.BooleanField(
        _("answer other messages with a notice"),
        default=False,
        help_text=_("Off by default: the number does not answer."),
    )
    notice_message = models.TextField(_("notice"), default=DEFAULT_NOTICE, blank=True)
    notice_interval_days = models.PositiveSmallIntegerField(_("days between two notices to the same number"), default=7)

    class Meta:
        abstract = True

    @property
    def subscribe_keyword(self):
        """The keyword citizens are told to write to subscribe: the first of the list, as the town wrote it."""
        return next(iter(keyword_list(self.subscribe_keywords)), "ISCRIVIMI")

    @property
    def unsubscribe_keyword(self):
        return next(iter(keyword_list(self.unsubscribe_keywords)), "CANCELLAMI")
