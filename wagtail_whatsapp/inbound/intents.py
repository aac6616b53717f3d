"""What a citizen's message asks for: to subscribe, to unsubscribe, or neither (a message for the inbox).

Citizens do not always write the keyword: "ISCRIVERMI", "Iscrivimi per favore", "Buongiorno, vorrei iscrivermi",
"Cancellatemi", "non voglio più ricevere messaggi". ``understand`` reads them with a few rules, in this order, so
that every answer can be explained:

1. the town's own keywords (Settings → WhatsApp), exactly as ``keywords.match`` reads them;
2. a question is never a command ("come mi iscrivo alla mensa?");
3. the words, folded (no case, accents or punctuation, a letter typed twice counts once), must all be
   *understood*: greetings and courtesy ("buongiorno", "per favore", "vorrei"), words naming the service
   ("al servizio", "messaggi", the service's own name) and the verbs of one intent — a stem ("iscriv…",
   "cancell…", "disiscriv…") or a keyword with one typo ("iscrivimj", "cancelami"). One unknown word
   ("iscrivimi alla mensa") and the message is for a person, not for the machine;
4. a refusal of messages is unsubscribing: "non voglio più ricevere messaggi", "non mandatemi più niente".

Unsubscribing wins a tie: honouring an opt-out is the safe side.
"""

import re
import unicodedata

from wagtail_whatsapp.inbound import keywords
from wagtail_whatsapp.models.settings_replies import keyword_list

SUBSCRIBE = keywords.SUBSCRIBE
UNSUBSCRIBE = keywords.UNSUBSCRIBE

# The keyword a town uses by default: understood with one typo even when the town lists others.
CANONICAL_KEYWORDS = {SUBSCRIBE: ("ISCRIVIMI",), UNSUBSCRIBE: ("CANCELLAMI", "DISISCRIVIMI")}
# A keyword shorter than this (folded) is matched exactly only: one typo away from "STOP" are "STO", "TOP" and
# "STEP", from "CANCELLA" are "cancello" (a gate) and "candela".
MIN_FUZZY_LENGTH = 8

_NOT_A_LETTER = re.compile(r"[\W_]+")
_REPEATED_LETTER = re.compile(r"(.)\1+")


def fold(text):
    """Lower case, no accents, punctuation as spaces, a repeated letter once: "ISCRÌVIMIII!!" → "iscrivimi"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    spaced = _NOT_A_LETTER.sub(" ", without_accents)
    return _REPEATED_LETTER.sub(r"\1", spaced).strip()


def _folded_words(*phrases):
    return frozenset(word for phrase in phrases for word in fold(phrase).split())


# Words that carry no intent of their own: greetings, courtesy, "I would like", "can you"...
COURTESY = _folded_words(
    "buongiorno buon giorno buonasera buona sera salve ciao hey ehi gentile gentili egregio spettabile",
    "grazie mille tante anticipatamente cordiali saluti saluto distinti",
    "per favore perfavore xfavore x piacere cortesemente gentilmente prego pls please",
    "vorrei voglio volevo desidero desidererei chiedo richiedo chiederei vorremmo vogliamo desideriamo",
    "potete potreste puoi potresti può potrebbe posso possiamo",
    "mi ti vi ci me io noi anche ancora subito ok okay va bene si sì e ed",
)
# Words naming the service and its messages: "iscrivimi al servizio WhatsApp del Comune".
SERVICE = _folded_words(
    "a al allo alla ai agli alle all da dal dallo dalla dai dagli dalle dall di del dello della dei degli delle dell",
    "il lo la i gli le l un uno una questo questa questi queste vostro vostra vostri vostre suo sua",
    "servizio servizi whatsapp wa lista elenco canale gruppo broadcast newsletter",
    "notizie news notifiche messaggi messaggio avvisi avviso aggiornamenti informazioni info comunicazioni",
    "comune comunale numero consenso mia mio",
)
# A word that follows "sono" or "mi chiamo" is a name: "Buongiorno, sono Maria Rossi, vorrei iscrivermi".
INTRODUCTIONS = _folded_words("sono chiamo")
MAX_NAME_WORDS = 3
# Words that make a message a question, not a command.
QUESTION_WORDS = _folded_words("come dove quando perche cosa quanto quanti quale quali chi sapete sai")

# Stems of each intent's verbs (folded, so "cancell" is "cancel"). Unsubscribing is read first, so a word that one
# typo brings near both lists unsubscribes.
STEMS = {
    UNSUBSCRIBE: tuple(
        fold(stem)
        for stem in (
            "cancellami",
            "cancellatemi",
            "cancellarmi",
            "cancellate",
            "cancellazione",
            "disiscriv",
            "disiscrizion",
            "rimuovi",
            "rimuovetemi",
            "rimuovermi",
            "toglimi",
            "toglietemi",
            "togliermi",
            "eliminami",
            "eliminatemi",
            "eliminarmi",
            "disattiva",
            "disdetta",
            "disdico",
            "revoco",
        )
    ),
    SUBSCRIBE: tuple(
        fold(stem) for stem in ("iscriv", "iscrizion", "aderisc", "adesione", "registrami", "registrarmi")
    ),
}
# Short words are whole words, never stems: "basta" starts "bastardo".
WORDS = {UNSUBSCRIBE: _folded_words("stop basta"), SUBSCRIBE: frozenset()}
# "Iscrizione" is a noun: beside an unsubscribe verb it is what goes ("annulla l'iscrizione", "revoco l'iscrizione").
SUBSCRIPTION_NOUNS = _folded_words("iscrizione iscrizioni")
# Verbs that unsubscribe only with that noun or "consenso": "annullate la mia iscrizione", not "annullate l'evento".
NEEDS_OBJECT = tuple(fold(stem) for stem in ("annull", "ritir"))
OBJECTS = SUBSCRIPTION_NOUNS | _folded_words("consenso")

# "non voglio più ricevere messaggi", "non mandatemi più niente", "non voglio essere iscritto".
REFUSALS = (
    re.compile(r"\bnon (?:(?:mi )?(?:voglio|vorei|desidero|intendo) )?(?:piu )?(?:ricevere|esere iscrit)"),
    re.compile(r"\bnon (?:voglio|vorei|desidero) piu (?:mesagi|mesagio|notizie|avisi|niente|nula)\b"),
    # The imperative with "mi": "non scrivete parolacce" is not about the service, "non scrivetemi più" is.
    re.compile(r"\bnon (?:mi (?:mandate|inviate|scrivete|contatate)|mandatemi|inviatemi|scrivetemi|contatatemi)\b"),
    re.compile(r"\bnon (?:mandate|inviate) piu\b"),
    re.compile(r"\bnon mi (?:interesa|interesano) piu\b"),
)
# A refusal is understood among a few words only: "non ho più ricevuto messaggi" is a complaint, not an opt-out.
MAX_REFUSAL_WORDS = 12


def within_one_edit(a, b):
    """True when ``a`` becomes ``b`` with at most one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differences = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differences) == 1:
            return True
        first, second = differences[0], differences[-1]
        return len(differences) == 2 and second == first + 1 and a[first] == b[second] and a[second] == b[first]
    shorter, longer = sorted((a, b), key=len)
    for i, (x, y) in enumerate(zip(shorter, longer, strict=False)):
        if x != y:
            return shorter[i:] == longer[i + 1 :]
    return True


def _town_words(subscribe_keywords, unsubscribe_keywords):
    """Each intent's keywords (the town's and the canonical ones), folded: {intent: (every one, those long enough
    for a typo)}."""
    words = {}
    for intent, text in ((UNSUBSCRIBE, unsubscribe_keywords), (SUBSCRIBE, subscribe_keywords)):
        folded = {fold(word) for word in [*keyword_list(text), *CANONICAL_KEYWORDS[intent]]} - {""}
        words[intent] = (folded, {word for word in folded if " " not in word and len(word) >= MIN_FUZZY_LENGTH})
    return words


def _intent_of_word(word, town_words):
    for intent in (UNSUBSCRIBE, SUBSCRIBE):
        exact, fuzzy = town_words[intent]
        if word in exact or word in WORDS[intent] or word.startswith(STEMS[intent]):
            return intent
        if any(within_one_edit(word, keyword) for keyword in fuzzy):
            return intent
    return None


def _is_question(text, words):
    return "?" in text or any(word in QUESTION_WORDS for word in words)


def _is_refusal(folded, words):
    return len(words) <= MAX_REFUSAL_WORDS and any(pattern.search(folded) for pattern in REFUSALS)


def _intent_of_words(words, town_words, service_words):
    """The one intent of ``words`` when every word is understood; None otherwise."""
    found = {}  # intent → the words that ask for it
    name_words_left = 0
    for word in words:
        if word in INTRODUCTIONS:
            name_words_left = MAX_NAME_WORDS
            continue
        intent = _intent_of_word(word, town_words)
        if intent is None and word.startswith(NEEDS_OBJECT) and OBJECTS.intersection(words):
            intent = UNSUBSCRIBE
        if intent is not None:
            found.setdefault(intent, set()).add(word)
            name_words_left = 0
        elif word in COURTESY or word in SERVICE or word in service_words:
            name_words_left = 0
        elif name_words_left:
            name_words_left -= 1
        else:
            return None
    if UNSUBSCRIBE in found and found.get(SUBSCRIBE, set()) <= SUBSCRIPTION_NOUNS:
        return UNSUBSCRIBE
    if len(found) == 1:
        return next(iter(found))
    return None  # none, or both ("iscrivimi e cancellami"): a person reads it


def understand(text, subscribe_keywords, unsubscribe_keywords, service_name=""):
    """``SUBSCRIBE``, ``UNSUBSCRIBE`` or ``None`` for a citizen's ``text``; the keyword fields are the raw settings
    texts, ``service_name`` the service's name (its words may appear: "iscrivimi a Sovere Informa")."""
    exact = keywords.match(text or "", subscribe_keywords, unsubscribe_keywords)
    if exact:
        return exact
    folded = fold(text)
    words = folded.split()
    if not words or _is_question(text, words):
        return None
    town_words = _town_words(subscribe_keywords, unsubscribe_keywords)
    for intent in (UNSUBSCRIBE, SUBSCRIBE):
        if folded in town_words[intent][0]:  # a keyword with a letter typed twice: "FINEE", "Voglio  iscrivermi!!"
            return intent
    if "non" in words:
        return UNSUBSCRIBE if _is_refusal(folded, words) else None
    return _intent_of_words(words, town_words, _folded_words(service_name))


def for_settings(settings, text):
    """What ``text`` asks of the site whose WhatsApp settings are ``settings`` (its keywords, and its phrasings unless
    the town turned them off)."""
    if not settings.understand_phrasings:
        return keywords.match(text or "", settings.subscribe_keywords, settings.unsubscribe_keywords)
    return understand(text, settings.subscribe_keywords, settings.unsubscribe_keywords, settings.get_service_name())
