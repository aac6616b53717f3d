"""Who a citizen is: a phone number, a WhatsApp user id (Meta's usernames may hide the number), or both; and the keyed
hashes that remember them once their data is erased.

A bare SHA-256 of a phone number can be reversed by trying every number; an HMAC keyed with the site's SECRET_KEY
cannot without the key. Blocks (``BlockedNumber``) and opt-outs (``OptedOutNumber``) keep one hash per identity, so a
citizen is recognised by either; a message carrying both links them (``link_hashes``).
"""

from django.utils.crypto import salted_hmac

from wagtail_whatsapp.numbers import try_normalise_number

# The salt the first blocks were written with: changing it would forget them.
HASH_SALT = "wagtail_whatsapp.blocked-number"


def number_hash(number):
    """The keyed hash of a number (normalised first, so "348 123 4511" and "+393481234511" are the same)."""
    normalised = try_normalise_number(number) or str(number).strip()
    return salted_hmac(HASH_SALT, normalised, algorithm="sha256").hexdigest()


def user_id_hash(user_id):
    # Prefixed, so a user id can never collide with a number.
    return salted_hmac(HASH_SALT, "user-id:" + str(user_id).strip(), algorithm="sha256").hexdigest()


def identity_hashes(number="", user_id=""):
    """The hashes of whichever identities are known (none, one or two)."""
    hashes = []
    if number:
        hashes.append(number_hash(number))
    if user_id:
        hashes.append(user_id_hash(user_id))
    return hashes


def remember(model, site, number="", user_id=""):
    """Keep the hashes of this citizen's identities in ``model`` (BlockedNumber or OptedOutNumber)."""
    for value in identity_hashes(number, user_id):
        model.objects.get_or_create(site=site, number_hash=value)


def forget(model, site, number="", user_id=""):
    model.objects.filter(site=site, number_hash__in=identity_hashes(number, user_id)).delete()


def is_remembered(model, site, number="", user_id=""):
    hashes = identity_hashes(number, user_id)
    return bool(hashes) and model.objects.filter(site=site, number_hash__in=hashes).exists()


def link_hashes(model, site, number, user_id):
    """A message with both a number and a user id: when ``model`` remembers either, it remembers both from now on."""
    if number and user_id and is_remembered(model, site, number, user_id):
        remember(model, site, number, user_id)
