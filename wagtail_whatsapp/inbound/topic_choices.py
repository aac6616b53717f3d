"""Citizens choose the topics and places they receive (models/topics.py): by keyword, or from WhatsApp's list.

- "ISCRIVIMI EVENTI", "ISCRIVIMI SELLERE", "ISCRIVIMI EVENTI, SCUOLA": a subscribe keyword followed by the keywords
  of the site's topics or places subscribes (if needed) and adds them to the citizen's choice;
- the topics keyword (Settings → WhatsApp, "ARGOMENTI" by default) from a subscriber gets an interactive list message
  of the site's topics and places (free: it answers their message, inside the 24-hour window);
- the row they pick comes back as Meta's ``list_reply`` and adds it to their choice, or takes it away when it was
  there already; they get a short confirmation of what they receive now.

This module reads a message and changes a choice; ``keyword_dispatch.py`` decides in which order, and
``subscribing.py`` acts, with the consent log and the replies owed (``owed_replies.py`` sends the list and the
confirmation with the texts here). The texts are Italian on purpose, like every text citizens read.
"""

import re
from dataclasses import dataclass

from wagtail_whatsapp.backends.base import ListRow, ListSection
from wagtail_whatsapp.inbound.event_values import as_dict
from wagtail_whatsapp.inbound.keywords import normalise, parse_keyword_list
from wagtail_whatsapp.models import ConsentRecord, Topic

ROW_PREFIX = "wagtail_whatsapp:topic:"
SUBSCRIBE = "subscribe"  # a subscribe keyword with topics: subscribes, then chooses
SHOW_LIST = "list"  # the topics keyword
TOGGLE = "toggle"  # a row picked in the list

LIST_BODY = (
    "Scegli gli argomenti e le frazioni che ti interessano: tocca “Scegli” e poi una voce. Toccala di nuovo per "
    "toglierla. Se non scegli nulla ricevi tutte le notizie."
)
LIST_BUTTON = "Scegli"
SECTION_TITLES = {Topic.Kind.TOPIC: "Argomenti", Topic.Kind.PLACE: "Frazioni"}
CHOSEN_TEXT = "Ricevi le notizie su: {choices}. Per cambiare scrivi {keyword}."
NOTHING_CHOSEN_TEXT = "Non hai scelto argomenti né frazioni: ricevi tutte le notizie. Per scegliere scrivi {keyword}."
# Appended to the welcome of a site with topics: where the choice starts.
WELCOME_OFFER = "Vuoi solo alcune notizie? Scrivi {keyword} e scegli argomenti e frazioni."

# Between two topics after the keyword: "EVENTI, SCUOLA", "EVENTI E SCUOLA".
_TOPIC_SEPARATORS = re.compile(r"\s*(?:[,;/]|\bE\b)\s*")


@dataclass(frozen=True)
class Choice:
    action: str
    topics: tuple = ()


def read(settings, message):
    """The Choice ``message`` makes on ``settings``' site, or None when it is not about topics."""
    if message.message_type == "interactive":
        reply = as_dict(as_dict(as_dict(message.payload).get("interactive")).get("list_reply"))
        row_id = str(reply.get("id") or "")
        if not row_id.startswith(ROW_PREFIX):
            return None
        topic = settings.choosable_topics().filter(pk=_int(row_id[len(ROW_PREFIX) :])).first()
        return Choice(TOGGLE, (topic,)) if topic is not None else None
    if message.message_type not in ("text", "button"):
        return None
    text = normalise(message.text or "")
    if not text:
        return None
    if text == normalise(settings.topics_keyword or "") and settings.choosable_topics().exists():
        return Choice(SHOW_LIST)
    for keyword in sorted(parse_keyword_list(settings.subscribe_keywords), key=len, reverse=True):
        if text.startswith(keyword + " "):
            topics = _topics_named(settings, text[len(keyword) + 1 :])
            return Choice(SUBSCRIBE, topics) if topics else None
    return None


def _int(text):
    return int(text) if text.isdigit() else None


def _topics_named(settings, words):
    """The site's topics named by ``words`` ("EVENTI, SCUOLA"); empty unless every name is one of them."""
    by_keyword = {normalise(topic.choice_keyword): topic for topic in settings.choosable_topics()}
    if words in by_keyword:  # one name, even with "e" in it: "SCUOLA E SPORT"
        return (by_keyword[words],)
    names = [name for name in _TOPIC_SEPARATORS.split(words) if name]
    topics = [by_keyword.get(name) for name in names]
    return tuple(topics) if topics and None not in topics else ()


def change(settings, message, subscriber, choice):
    """Apply ``choice`` to ``subscriber``'s topics and log it in the consent log; returns True when it changed
    anything. Call inside the transaction that owes the confirmation."""
    before = set(subscriber.topics.values_list("pk", flat=True))
    picked = {topic.pk for topic in choice.topics}
    after = before ^ picked if choice.action == TOGGLE else before | picked
    if after == before:
        return False
    subscriber.topics.set(after)
    names = ", ".join(topic.name for topic in settings.choosable_topics().filter(pk__in=after)) or "-"
    ConsentRecord.for_message(
        settings, ConsentRecord.Action.CHOOSE_TOPICS, message, subscriber, note=f"Topics and places: {names}"
    )
    return True


def list_sections(settings):
    """The site's topics and places as the sections of the list message, each row with the topic's id."""
    sections = []
    for kind, title in SECTION_TITLES.items():
        rows = tuple(
            ListRow(id=f"{ROW_PREFIX}{topic.pk}", title=topic.name)
            for topic in settings.choosable_topics()
            if topic.kind == kind
        )
        if rows:
            sections.append(ListSection(title=title, rows=rows))
    return sections


def chosen_text(settings, subscriber):
    """The confirmation after a change: what the citizen receives now."""
    names = [topic.name for topic in subscriber.topics.order_by("sort_order", "pk")] if subscriber else []
    if not names:
        return NOTHING_CHOSEN_TEXT.format(keyword=settings.topics_keyword)
    return CHOSEN_TEXT.format(choices=", ".join(names), keyword=settings.topics_keyword)


def welcome_offer(settings):
    """The line that closes the welcome when the site has topics ("" otherwise)."""
    if not settings.topics_keyword.strip() or not settings.choosable_topics().exists():
        return ""
    return WELCOME_OFFER.format(keyword=settings.topics_keyword)
