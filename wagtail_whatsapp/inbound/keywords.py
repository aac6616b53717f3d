"""Keyword matching: is this message exactly one of the town's keywords (Settings → WhatsApp)?

Citizens type on phones: "Iscrivimi!", " iscrivimi ", "ISCRÌVIMI." must all work, while a sentence that merely
contains the word ("iscrivimi per favore") is not a keyword here. ``intents.py`` starts from this exact reading and
adds the common phrasings ("iscrivimi per favore", "vorrei cancellarmi") unless the town turned them off.
"""

import re
import unicodedata

from wagtail_whatsapp.models.settings_replies import keyword_list

SUBSCRIBE = "subscribe"
UNSUBSCRIBE = "unsubscribe"

# Anything that is neither a letter nor a digit, at either end of the text (spaces, punctuation, emoji).
_EDGE_NOISE = re.compile(r"^[\W_]+|[\W_]+$")
_INNER_SPACES = re.compile(r"\s+")


def normalise(text):
    """Fold ``text`` for comparison: no accents, upper case, no surrounding spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = without_accents.casefold().upper()
    folded = _EDGE_NOISE.sub("", folded)
    return _INNER_SPACES.sub(" ", folded)


def parse_keyword_list(text):
    """A keywords field of the settings → the set of its normalised keywords."""
    return {folded for folded in (normalise(item) for item in keyword_list(text)) if folded}


def match(text, subscribe_keywords, unsubscribe_keywords):
    """``SUBSCRIBE``, ``UNSUBSCRIBE`` or ``None`` for ``text``; the keyword fields are the raw settings texts.

    Unsubscribing wins when a town lists the same word in both fields: honouring an opt-out is the safe side.
    """
    folded = normalise(text)
    if not folded:
        return None
    if folded in parse_keyword_list(unsubscribe_keywords):
        return UNSUBSCRIBE
    if folded in parse_keyword_list(subscribe_keywords):
        return SUBSCRIBE
    return None
