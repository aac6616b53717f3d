"""The one place that reads Django settings for the plugin.

Every setting lives in the ``WAGTAIL_WHATSAPP`` dict. Values are read on each access (not cached at import) so that
``override_settings`` in tests and settings changed by a deployment are honoured. Secrets are only ever read here and
never written to logs or templates.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

BACKEND_ALIASES = {
    "cloud": "wagtail_whatsapp.backends.cloud.CloudBackend",
    "sandbox": "wagtail_whatsapp.sandbox.backend.SandboxBackend",
}

# Documented in docs/settings.md; keep both in step.
DEFAULTS = {
    "BACKEND": BACKEND_ALIASES["cloud"],
    "ACCESS_TOKEN": "",
    "APP_SECRET": "",
    "VERIFY_TOKEN": "",
    "PHONE_NUMBER_ID": "",
    "WABA_ID": "",
    "APP_ID": "",  # Meta's app id: only `whatsapp_create_templates` needs it, to upload media headers' examples
    "API_BASE_URL": "https://graph.facebook.com",
    "API_VERSION": "v25.0",
    "MESSAGES_PER_SECOND": 80,
    "SEND_CONCURRENCY": 32,  # parallel requests to the Graph API (and pooled connections) per backend
    "CONNECT_TIMEOUT": 5.0,
    "READ_TIMEOUT": 30.0,
    "STORE_PROFILE_NAMES": True,
    "WEBHOOK_MAX_BODY_BYTES": 3 * 1024 * 1024,
    # Sending threads per consumer; 0 picks enough to keep MESSAGES_PER_SECOND busy (see docs/broadcasting.md).
    "BROADCAST_WORKERS": 0,
    # Consumer tasks that send one broadcast together (PostgreSQL + Redis with several consumers; see operations.md).
    "BROADCAST_SENDERS": 1,
    "BROADCASTS_PER_CONSUMER": 2,
    # How long a message left in flight by a crash (or a timeout) waits for its status webhook before a retry.
    "DELIVERY_STATUS_GRACE_SECONDS": 120,
    # People a number may reach with a template per rolling 24 hours: "auto" reads Meta's tier (250 for a new number),
    # a whole number forces it, None turns pacing off (see messaging_limit.py).
    "MESSAGING_LIMIT": "auto",
    # What Meta bills for one delivered template message to an Italian number, by the template's category, in the
    # currency of the WhatsApp Business Account. Defaults: Meta's rate card for Italy effective 1 January 2026 (USD
    # card; a WABA billed in euro sets the EUR card's figures and "CURRENCY": "EUR"). See docs/settings.md.
    "PRICES": {
        "CURRENCY": "USD",
        "AS_OF": "2026-01-01",
        "MARKETING": "0.0691",
        "UTILITY": "0.0300",
        "AUTHENTICATION": "0.0300",
    },
}

SECRET_NAMES = ("ACCESS_TOKEN", "APP_SECRET", "VERIFY_TOKEN")
CLOUD_REQUIRED = SECRET_NAMES


def _user_settings():
    value = getattr(django_settings, "WAGTAIL_WHATSAPP", None) or {}
    if not isinstance(value, dict):
        raise ImproperlyConfigured("WAGTAIL_WHATSAPP must be a dict.")
    return value


def get(name):
    """Return the setting ``name``, or its documented default."""
    if name not in DEFAULTS:
        raise ImproperlyConfigured(f"Unknown wagtail-whatsapp setting: WAGTAIL_WHATSAPP['{name}']")
    return _user_settings().get(name, DEFAULTS[name])


def unknown_setting_names():
    return sorted(set(_user_settings()) - set(DEFAULTS))


def backend_path():
    path = get("BACKEND") or DEFAULTS["BACKEND"]
    return BACKEND_ALIASES.get(path, path)


def is_cloud_backend():
    return backend_path() == BACKEND_ALIASES["cloud"]


def is_sandbox_backend():
    return backend_path() == BACKEND_ALIASES["sandbox"]


def backend_class():
    path = backend_path()
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"WAGTAIL_WHATSAPP['BACKEND'] = {path!r} cannot be imported: {exc}") from exc


def app_secrets():
    """The app secrets as a list, the newest first: several are accepted so a secret can be rotated without downtime.

    A list, or one string with the secrets separated by commas (``"new,old"``), as an environment variable holds them.
    """
    value = get("APP_SECRET")
    if isinstance(value, str):
        values = value.split(",")
    elif isinstance(value, (list, tuple)):
        values = list(value)
    else:
        return []
    return [secret.strip() for secret in values if isinstance(secret, str) and secret.strip()]


# The sandbox needs no number from Meta: without PHONE_NUMBER_ID its messages and webhooks carry this made-up id.
SANDBOX_PHONE_NUMBER_ID = "100000000000001"


def default_phone_number_id():
    """The number messages go out from when a site's WhatsApp settings name none (``PHONE_NUMBER_ID``)."""
    value = get("PHONE_NUMBER_ID")
    if not value and is_sandbox_backend():
        return SANDBOX_PHONE_NUMBER_ID
    return value


def missing_cloud_settings():
    """Names of the settings the cloud backend cannot work without."""
    missing = []
    for name in CLOUD_REQUIRED:
        present = app_secrets() if name == "APP_SECRET" else get(name)
        if not present:
            missing.append(name)
    return missing


def messages_per_second():
    value = get("MESSAGES_PER_SECOND")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ImproperlyConfigured("WAGTAIL_WHATSAPP['MESSAGES_PER_SECOND'] must be a positive number.")
    return float(value)


def send_concurrency():
    value = get("SEND_CONCURRENCY")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ImproperlyConfigured("WAGTAIL_WHATSAPP['SEND_CONCURRENCY'] must be a positive whole number.")
    return value


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float

    def as_requests_timeout(self):
        return (self.connect, self.read)


def timeouts():
    connect, read = get("CONNECT_TIMEOUT"), get("READ_TIMEOUT")
    for name, value in (("CONNECT_TIMEOUT", connect), ("READ_TIMEOUT", read)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ImproperlyConfigured(f"WAGTAIL_WHATSAPP['{name}'] must be a positive number of seconds.")
    return Timeouts(float(connect), float(read))


def longest_call_seconds():
    """How long one Graph API call normally lasts at most before it times out (connect + read; a DNS lookup or a slow
    trickle of bytes can take longer, and then the status webhook settles it): a live worker may hold a claim that long
    across a call without renewing it (outbound/claim_leases.py, inbound/owed_replies.py)."""
    limits = timeouts()
    return limits.connect + limits.read


def broadcast_workers():
    value = get("BROADCAST_WORKERS")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ImproperlyConfigured("WAGTAIL_WHATSAPP['BROADCAST_WORKERS'] must be 0 (automatic) or a positive integer.")
    return value


def broadcast_senders():
    value = get("BROADCAST_SENDERS")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured("WAGTAIL_WHATSAPP['BROADCAST_SENDERS'] must be a positive integer.")
    return value


def broadcasts_per_consumer():
    value = get("BROADCASTS_PER_CONSUMER")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured("WAGTAIL_WHATSAPP['BROADCASTS_PER_CONSUMER'] must be a positive integer.")
    return value


def delivery_status_grace_seconds():
    value = get("DELIVERY_STATUS_GRACE_SECONDS")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ImproperlyConfigured("WAGTAIL_WHATSAPP['DELIVERY_STATUS_GRACE_SECONDS'] must be a number of seconds.")
    return float(value)


def messaging_limit():
    """``"auto"``, a positive whole number, or None (no pacing)."""
    value = get("MESSAGING_LIMIT")
    if value is None or value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ImproperlyConfigured(
            "WAGTAIL_WHATSAPP['MESSAGING_LIMIT'] must be \"auto\", a positive whole number or None."
        )
    return value


PRICED_CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")


@dataclass(frozen=True)
class Prices:
    """Meta's price of one delivered template message, by category; SERVICE (free-form in the window) is free."""

    currency: str
    as_of: datetime.date
    by_category: dict

    def of(self, category):
        """The price of ``category`` (Meta's names, any case); None for a category without a price here."""
        category = str(category or "").upper()
        if category == "SERVICE":
            return Decimal("0")
        return self.by_category.get(category)


def prices():
    """``WAGTAIL_WHATSAPP['PRICES']`` checked: every category priced, non-negative amounts, a currency, a date.

    A town that sets the dict sets all of it: half a rate card (the euro currency with dollar figures) would be wrong.
    """
    value = get("PRICES")
    name = "WAGTAIL_WHATSAPP['PRICES']"
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a dict (see docs/settings.md).")
    missing = [key for key in ("CURRENCY", "AS_OF", *PRICED_CATEGORIES) if key not in value]
    if missing:
        raise ImproperlyConfigured(f"{name} lacks {', '.join(missing)}: give the whole rate card.")
    by_category = {}
    for category in PRICED_CATEGORIES:
        amount = value[category]
        try:
            if isinstance(amount, bool) or not isinstance(amount, (int, float, str, Decimal)):
                raise InvalidOperation
            amount = Decimal(str(amount))
        except InvalidOperation:
            raise ImproperlyConfigured(f"{name}['{category}'] must be an amount, e.g. \"0.0691\".") from None
        if not amount.is_finite() or amount < 0:
            raise ImproperlyConfigured(f"{name}['{category}'] must be zero or more.")
        by_category[category] = amount
    currency = value["CURRENCY"]
    if not isinstance(currency, str) or len(currency.strip()) != 3 or not currency.strip().isalpha():
        raise ImproperlyConfigured(f"{name}['CURRENCY'] must be a three-letter code such as \"EUR\".")
    as_of = value["AS_OF"]
    if isinstance(as_of, str):
        try:
            as_of = datetime.date.fromisoformat(as_of)
        except ValueError:
            as_of = None
    if not isinstance(as_of, datetime.date):
        raise ImproperlyConfigured(f"{name}['AS_OF'] must be the date the prices were taken, e.g. \"2026-01-01\".")
    return Prices(currency=currency.strip().upper(), as_of=as_of, by_category=by_category)


def site_language():
    """The language of what the plugin writes outside a request and outside the admin's own language, e.g. the
    evidence it hands to the authorities: the site's ``LANGUAGE_CODE``."""
    return django_settings.LANGUAGE_CODE
