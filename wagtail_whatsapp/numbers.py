"""Phone numbers: E.164 normalisation (with phonenumbers) and masking for logs and screens."""

import re

import phonenumbers

DEFAULT_REGION = "IT"
MASK = "•"


class InvalidNumber(ValueError):
    pass


def normalise_number(raw, region=DEFAULT_REGION):
    """Return ``raw`` in E.164 (``+393331234567``) or raise InvalidNumber.

    WhatsApp sends numbers as bare digits with the country code (``393331234567``); people type them with spaces,
    dashes or a leading 00. A number without a country code is read as Italian.
    """
    if not isinstance(raw, str):
        raise InvalidNumber("not a string")
    text = raw.strip()
    if not text:
        raise InvalidNumber("empty")
    if text.startswith("00"):
        text = "+" + text[2:]
    digits_only = text.replace(" ", "").replace("-", "")
    if digits_only.isdigit() and len(digits_only) > 10:
        # Graph API style: country code without "+".
        text = "+" + digits_only
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(str(exc)) from exc
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber("not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalise_number(raw, region=DEFAULT_REGION):
    try:
        return normalise_number(raw, region)
    except InvalidNumber:
        return ""


def mask_number(number):
    """``+393481234511`` → ``+39 348 ••• •511``: enough to recognise a number, not to write to it."""
    if not number:
        return ""
    text = str(number)
    try:
        parsed = phonenumbers.parse(text if text.startswith("+") else "+" + text, None)
        text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        pass
    # Keep the country code and the first group (operator or area), then all but the last three digits hidden.
    separators = [i for i, ch in enumerate(text) if ch in " -"]
    visible_prefix = separators[1] if len(separators) >= 2 else 0
    digit_positions = [i for i, ch in enumerate(text) if ch.isdigit() and i >= visible_prefix]
    hidden = set(digit_positions[:-3])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def mask_user_id(user_id):
    """``US.13491208655302741918`` → ``US.••••••••••••••••918``: Meta's business-scoped user id reaches a citizen like
    a number does, so it is masked like one (the country prefix and the last three characters stay)."""
    if not user_id:
        return ""
    text = str(user_id)
    prefix, dot, rest = text.rpartition(".")
    head = prefix + dot
    return head + MASK * max(len(rest) - 3, 0) + rest[-3:]


def mask_sender(number, user_id):
    """The masked form of whichever identity a citizen has: the number when known, else the user id."""
    return mask_number(number) if number else (mask_user_id(user_id) or "?")


# Meta's business-scoped user id: the country, a dot, then letters and digits (``US.13491208655302741918``).
USER_ID_RE = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9_-]{4,120}$")


def is_user_id(text):
    return isinstance(text, str) and bool(USER_ID_RE.match(text.strip()))


def normalise_identity(raw, region=DEFAULT_REGION):
    """``(number, user_id)`` for what someone typed to name a citizen: a phone number (any usual form) or a WhatsApp
    user id. Exactly one of the two is set; raises InvalidNumber when ``raw`` is neither."""
    if is_user_id(raw):
        return "", raw.strip()
    return normalise_number(raw, region), ""


def mask_identity(text):
    """The masked form of a number or of a WhatsApp user id, whichever ``text`` is."""
    return mask_user_id(text) if is_user_id(text) else mask_number(text)
