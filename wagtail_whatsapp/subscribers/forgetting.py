"""Forgetting a citizen everywhere the plugin wrote them down: the number in any usual format, the WhatsApp user id,
and Wagtail's audit log (labels, and data such as an export's search or a moderator's free-text reason).

Used by erasure (gdpr.py) and retention (retention.py), so both leave the same nothing behind.
"""

import json
import re

import phonenumbers
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from wagtail.models import ModelLogEntry, PageLogEntry

from wagtail_whatsapp.numbers import mask_number, mask_user_id

ERASED = gettext_noop("erased")
# Between the digits of a number as people write it: spaces, dots, dashes, slashes, brackets.
_SEPARATORS = r"[\s./()\-]*"


def _number_pattern(number):
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return re.escape(number)
    country = _SEPARATORS.join(str(parsed.country_code))
    national = _SEPARATORS.join(phonenumbers.national_significant_number(parsed))
    # "+39 348…", "0039348…", "39348…", "348 123 4511": the country code is optional.
    return rf"(?:(?:\+|00)?{_SEPARATORS}{country}{_SEPARATORS})?{national}"


def in_site_language(message):
    """What is written down for the record (audit log, consent log) is written once, in the site's language
    (LANGUAGE_CODE), whoever acted: the stored text is shown as it is. ``message`` is marked with gettext_noop."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message)


def identity_pattern(numbers=(), user_ids=()):
    """One regex matching any of these numbers (in any usual format, or masked) and user ids; None for none."""
    parts = []
    for number in numbers:
        if number:
            parts += [_number_pattern(number), re.escape(mask_number(number))]
    for user_id in user_ids:
        if user_id:
            parts += [re.escape(user_id), re.escape(mask_user_id(user_id))]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def scrub(value, pattern):
    """``value`` (text, or JSON data: dicts, lists, text) with every match of ``pattern`` replaced by "erased"
    (in the site's language)."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(in_site_language(ERASED), value)
    if isinstance(value, dict):
        return {scrub(key, pattern): scrub(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, pattern) for item in value]
    return value


def forget_log_entries(model, object_ids):
    """Audit-log lines about rows that are gone (erased or expired) keep who did what and when, not the label (a
    masked number) nor the data (a reason may quote the citizen)."""
    if object_ids:
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in object_ids]
        ).update(label=in_site_language(ERASED), data={})


def scrub_log_entries(pattern):
    """Remove the citizen from every other audit-log line: an export's search, a reason naming their number. Reads the
    whole log once (erasure is rare; the log is not indexed on its JSON)."""
    if pattern is None:
        return 0
    scrubbed = 0
    for entry_model in (ModelLogEntry, PageLogEntry):
        for entry in entry_model.objects.only("pk", "label", "data").iterator(chunk_size=2000):
            text = entry.label + json.dumps(entry.data, ensure_ascii=False)
            if pattern.search(text):
                entry_model.objects.filter(pk=entry.pk).update(
                    label=scrub(entry.label, pattern), data=scrub(entry.data, pattern)
                )
                scrubbed += 1
    return scrubbed
