"""Moderation of what citizens send (service.md §9): automatic flags on arrival, and the moderators' actions.

``find_flags`` is a plain function of the text and its context; ``flag_message`` stores its result on an
InboundMessage; ``on_message_received`` connects it to ``signals.message_received`` (see apps.py). The actions
(review, delete, report) change the message and write one entry to Wagtail's audit log with the user; the evidence
of a reported message is bundled by ``evidence.py``.
Flags only mark a message for a human: nothing is deleted or blocked automatically.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import phonenumbers
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from wagtail_whatsapp.models import InboundMessage, WhatsAppSettings
from wagtail_whatsapp.numbers import mask_number, try_normalise_number

# A flood: the same text this many times, or this many messages, from one sender within FLOOD_WINDOW.
FLOOD_WINDOW = timedelta(hours=1)
FLOOD_REPEATS = 3
FLOOD_MESSAGES = 8

# Links: anything with a scheme or "www."; a bare domain with a path ("bit.ly/x", "t.me/canale"); a bare domain
# without a path only for common TLDs written in lower case, so "finito.Io" (a missing space) is not a link.
LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>]+"
    r"|\b(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z]{2,}/[^\s<>]*"
    r"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|it|net|org|eu|info|biz|xyz|shop|online|store|ru|cn)\b"
)
EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\b")
# Leetspeak that people use to slip past word filters ("c4zz0"); applied to words that contain a letter.
LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "0": "o", "5": "s", "$": "s", "7": "t"})


@dataclass(frozen=True)
class Flag:
    category: str  # link, contact, offensive, promotion, fundraising, flood
    reason: str


def _fold(text):
    """Lower case, no accents, l33t undone, one space between words: what the word lists are matched against."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = []
    for word in re.split(r"\s+", text):
        if any(ch.isalpha() for ch in word):
            word = word.translate(LEET)
        words.append(word)
    return " " + re.sub(r"[^a-z0-9*]+", " ", " ".join(words)).strip() + " "


def _word_pattern(entry):
    folded = _fold(entry).strip()
    if not folded:
        return None
    prefix = folded.endswith("*")
    folded = folded.rstrip("*").strip()
    body = r"\s+".join(re.escape(part) for part in folded.split())
    return re.compile(r"(?<![a-z0-9])" + body + (r"[a-z]*" if prefix else "") + r"(?![a-z0-9])")


def matched_words(text, words):
    folded = _fold(text)
    found = []
    for entry in words:
        pattern = _word_pattern(entry)
        if pattern is not None and pattern.search(folded):
            found.append(entry.strip())
    return found


def _domain_allowed(host, allowed_domains):
    host = host.lower().strip(".")
    if host.startswith("www."):
        host = host[4:]
    for domain in allowed_domains:
        domain = domain.lower().strip(". ")
        if domain.startswith("www."):
            domain = domain[4:]
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def outside_links(text, allowed_domains):
    links = []
    # An e-mail address is judged as a contact, not as a link to its domain.
    for match in LINK.finditer(EMAIL.sub(" ", text or "")):
        url = match.group(0).rstrip(".,;:!?)")
        host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
        if host and not _domain_allowed(host, allowed_domains):
            links.append(url)
    return links


def third_party_contacts(text, own_numbers=(), allowed_domains=()):
    """Phone numbers (other than the sender's and the town's) and e-mail addresses outside the town's domains."""
    found = []
    own = {number for number in own_numbers if number}
    for match in phonenumbers.PhoneNumberMatcher(text or "", "IT", leniency=phonenumbers.Leniency.VALID):
        number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if number not in own:
            found.append(mask_number(number))
    for match in EMAIL.finditer(text or ""):
        if not _domain_allowed(match.group(1), allowed_domains):
            found.append(match.group(0))
    return found


def find_flags(
    text,
    *,
    allowed_domains=(),
    own_numbers=(),
    offensive_words=(),
    promotion_words=(),
    fundraising_words=(),
    recent_texts=(),
):
    """Every reason the moderation policy gives to look at ``text``; ``recent_texts`` are the sender's other messages
    of the last FLOOD_WINDOW (for floods). Returns a list of Flag, empty for an ordinary message."""
    flags = []
    links = outside_links(text, allowed_domains)
    if links:
        flags.append(Flag("link", _("Link to an outside site: %(links)s") % {"links": ", ".join(links[:3])}))
    contacts = third_party_contacts(text, own_numbers, allowed_domains)
    if contacts:
        flags.append(
            Flag(
                "contact", _("Someone's phone number or e-mail address: %(items)s") % {"items": ", ".join(contacts[:3])}
            )
        )
    for category, words, label in (
        ("offensive", offensive_words, _("Offensive or threatening words: %(words)s")),
        ("promotion", promotion_words, _("Promotion words: %(words)s")),
        ("fundraising", fundraising_words, _("Fundraising words: %(words)s")),
    ):
        found = matched_words(text, words)
        if found:
            flags.append(Flag(category, label % {"words": ", ".join(found[:5])}))
    recent = list(recent_texts)
    folded = _fold(text).strip()
    repeats = sum(1 for other in recent if folded and _fold(other).strip() == folded) + 1
    if repeats >= FLOOD_REPEATS:
        flags.append(Flag("flood", _("Same message sent %(count)s times within an hour") % {"count": repeats}))
    elif len(recent) + 1 >= FLOOD_MESSAGES:
        flags.append(Flag("flood", _("%(count)s messages within an hour") % {"count": len(recent) + 1}))
    return flags


def site_rules(site):
    """The keyword arguments of ``find_flags`` that come from the site's settings."""
    wa_settings = WhatsAppSettings.for_site(site)
    allowed = [site.hostname] + WhatsAppSettings.word_list(wa_settings.moderation_allowed_domains)
    return {
        "allowed_domains": allowed,
        "own_numbers": [try_normalise_number(wa_settings.display_number)],
        "offensive_words": WhatsAppSettings.word_list(wa_settings.moderation_offensive_words),
        "promotion_words": WhatsAppSettings.word_list(wa_settings.moderation_promotion_words),
        "fundraising_words": WhatsAppSettings.word_list(wa_settings.moderation_fundraising_words),
    }


def flag_message(message):
    """Compute and store the flags of one stored InboundMessage; returns the list of Flag."""
    rules = site_rules(message.site)
    rules["own_numbers"] = list(rules["own_numbers"]) + [message.phone_number]
    sender = {"phone_number": message.phone_number} if message.phone_number else {"wa_user_id": message.wa_user_id}
    recent = (
        InboundMessage.objects.filter(site=message.site, sent_at__gte=message.sent_at - FLOOD_WINDOW, **sender)
        .filter(sent_at__lte=message.sent_at)
        .exclude(pk=message.pk)
        .values_list("text", flat=True)
    )
    flags = find_flags(message.text, recent_texts=list(recent), **rules)
    message.flags = [asdict(flag) for flag in flags]
    message.flagged = bool(flags)
    message.save(update_fields=["flags", "flagged"])
    return flags


def on_message_received(sender, message, site=None, subscriber=None, **kwargs):
    """Receiver of ``signals.message_received``. Keyword messages (ISCRIVIMI, CANCELLAMI) need no moderation."""
    if message.keyword_action:
        return
    flag_message(message)


# --- moderators' actions -----------------------------------------------------------------------------------------


def _act(message, state, user, note=""):
    message.state = state
    message.moderated_by = user
    message.moderated_at = timezone.now()
    message.moderation_note = note


def mark_reviewed(message, *, user):
    _act(message, InboundMessage.State.REVIEWED, user)
    message.save(update_fields=["state", "moderated_by", "moderated_at", "moderation_note"])
    log(message, "wagtail_whatsapp.message.review", user=user, title=_log_title(message))


def delete_message(message, *, user, reason):
    """Wipe the content; the row stays as a tombstone: who sent it (the link), who deleted it, when and why."""
    _act(message, InboundMessage.State.DELETED, user, reason)
    message.text = ""
    message.media_id = ""
    message.profile_name = ""
    message.payload = {}
    message.save()
    log(message, "wagtail_whatsapp.message.delete", user=user, title=_log_title(message), data={"reason": reason})


def report_message(message, *, user, reason=""):
    """Mark the message reported: its content is kept as evidence, handed out as a bundle by ``evidence.py``."""
    _act(message, InboundMessage.State.REPORTED, user, reason)
    message.save(update_fields=["state", "moderated_by", "moderated_at", "moderation_note"])
    log(message, "wagtail_whatsapp.message.report", user=user, title=_log_title(message), data={"reason": reason})


def _log_title(message):
    return f"{message.masked_sender} {message.sent_at:%Y-%m-%d %H:%M}"
