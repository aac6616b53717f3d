"""Keyword matching: is this message exactly one of the town's keywords (Settings → WhatsApp)?

Citizens type on phones: "Iscrivimi!", " iscrivimi ", "ISCRÌVIMI." must all work, while a sentence that merely
contains the word ("iscrivimi per favore") is not a keyword here. ``intents.py`` starts from this exact reading and
adds the common phrasings ("iscrivimi per favore", "vorrei cancellarmi") unless the town turned them off.
"""

from wagtail_whatsapp.models.settings_replies import keyword_list, normalise

SUBSCRIBE = "subscribe"
UNSUBSCRIBE = "unsubscribe"


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
