"""Settings of the example site, "Comune di Esempio". Everything a town changes comes from the environment."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EXAMPLE_SITE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name, default):
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


def env_seconds(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds.")
    return int(value)


def development_secret_key():
    """A random key made once for this machine's development site, kept beside its database (never a public one:
    the key also keys the hashes of blocked numbers)."""
    path = VAR_DIR / "development-secret-key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(60))
    return path.read_text().strip()


# Fail closed: debug only when asked for (`make demo` asks), and no site without its own secret key.
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to 50 or more random characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(60))"), '
            "or DJANGO_DEBUG=1 on a development machine."
        )
    SECRET_KEY = development_secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "town",
    "wagtail_whatsapp",
    "wagtail_modeladmin",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "huey.contrib.djhuey",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "esempio.urls"
WSGI_APPLICATION = "esempio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the webhook's writers and the Huey consumer's readers work side by side; IMMEDIATE transactions wait
    # for the write lock up front instead of failing half-way with "database is locked" (see bench/webhook.py).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("DATABASE_POOL_SIZE"):
    # Django's connection pool (psycopg_pool, the plugin's `postgres` extra), one per process: a consumer's sending
    # threads then share a few connections instead of holding one each, so the broadcasts of many towns' numbers at
    # once stay within PostgreSQL's max_connections (docs/operations.md).
    pool_size = os.environ["DATABASE_POOL_SIZE"].strip()
    if not pool_size.isdigit() or int(pool_size) < 1:
        raise ImproperlyConfigured("DATABASE_POOL_SIZE must be a whole number of connections, 1 or more.")
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django refuses both at once
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": int(pool_size), "timeout": 30}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = []

LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

WAGTAIL_SITE_NAME = "Comune di Esempio"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["pdf", "mp4", "3gp", "jpg", "jpeg", "png"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- WhatsApp ------------------------------------------------------------------------------------------------------
# The sandbox backend keeps messages in the database: the whole service works offline, with invented secrets.
WHATSAPP_BACKEND = os.environ.get("WHATSAPP_BACKEND", "sandbox").strip().lower()
if WHATSAPP_BACKEND not in ("sandbox", "cloud"):
    raise ImproperlyConfigured("WHATSAPP_BACKEND must be 'sandbox' or 'cloud'.")
SANDBOX = WHATSAPP_BACKEND == "sandbox"


def whatsapp_env(name, sandbox_default=""):
    return os.environ.get(f"WHATSAPP_{name}", sandbox_default if SANDBOX else "")


def messages_per_second():
    value = os.environ.get("WHATSAPP_MESSAGES_PER_SECOND", "80")
    try:
        return float(value)
    except ValueError:
        # Left to the plugin's system check, which names the setting.
        return value


def messaging_limit():
    """WHATSAPP_MESSAGING_LIMIT: "auto" (Meta's tier), a number of people a day, or "none" (no pacing)."""
    value = os.environ.get("WHATSAPP_MESSAGING_LIMIT", "auto").strip().lower()
    if value in ("none", "off", ""):
        return None
    if value.isdigit():
        return int(value)
    return value  # "auto", or a mistake the plugin's system check names


def broadcast_senders():
    """WHATSAPP_BROADCAST_SENDERS: consumers sending one broadcast together (PostgreSQL + Redis, several consumers)."""
    value = os.environ.get("WHATSAPP_BROADCAST_SENDERS", "1").strip()
    return int(value) if value.isdigit() else value  # a mistake: the plugin's system check names the setting


WAGTAIL_WHATSAPP = {
    "BACKEND": WHATSAPP_BACKEND,
    "ACCESS_TOKEN": whatsapp_env("ACCESS_TOKEN", "sandbox-access-token"),
    "APP_SECRET": whatsapp_env("APP_SECRET", "sandbox-app-secret"),  # "new,old" while rotating: the plugin splits it
    "VERIFY_TOKEN": whatsapp_env("VERIFY_TOKEN", "sandbox-verify-token"),
    "PHONE_NUMBER_ID": whatsapp_env("PHONE_NUMBER_ID", "100000000000001"),
    "WABA_ID": whatsapp_env("WABA_ID", "200000000000001"),
    "API_BASE_URL": os.environ.get("WHATSAPP_API_BASE_URL", "https://graph.facebook.com"),
    "API_VERSION": os.environ.get("WHATSAPP_API_VERSION", "v25.0"),
    "MESSAGES_PER_SECOND": messages_per_second(),
    "MESSAGING_LIMIT": messaging_limit(),
    "BROADCAST_SENDERS": broadcast_senders(),
}

# --- E-mail (Wagtail's workflow and moderation notifications) -------------------------------------------------------
# With a mail server (EMAIL_HOST), mail goes out over SMTP; without one, mails are written to the console (the log)
# instead of failing with a traceback on every workflow approval. DJANGO_EMAIL_BACKEND chooses any other backend.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = os.environ.get("EMAIL_PORT", "").strip() or "587"
if not EMAIL_PORT.isdigit():
    raise ImproperlyConfigured("EMAIL_PORT must be a port number (587 for STARTTLS, 465 for TLS).")
EMAIL_PORT = int(EMAIL_PORT)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = 10  # a slow mail server must not hold an approval for minutes
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "comune@localhost")
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# --- Huey -----------------------------------------------------------------------------------------------------------
# SqliteHuey on a file by default (one machine); RedisHuey when HUEY_REDIS_URL is set (several consumers).
HUEY_REDIS_URL = os.environ.get("HUEY_REDIS_URL", "")
HUEY = {
    "name": "wagtail_whatsapp_example",
    "immediate": env_bool("HUEY_IMMEDIATE", False),
    # HUEY_WORKER_TYPE=process: a broadcast at a high cap sends from one process while the others apply Meta's status
    # webhooks (docs/operations.md); threads share one interpreter and suit a town's 80 messages/s.
    "consumer": {"workers": 4, "worker_type": os.environ.get("HUEY_WORKER_TYPE", "thread")},
}
if HUEY_REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": HUEY_REDIS_URL})
else:
    HUEY.update({"huey_class": "esempio.queue.FastSqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"wagtail_whatsapp": {"handlers": ["console"], "level": os.environ.get("WHATSAPP_LOG_LEVEL", "INFO")}},
}


# --- Production (DJANGO_DEBUG=0): HTTPS only. `manage.py check --deploy` then reports only security.W005 and
# security.W021 (HSTS for subdomains and the browsers' preload list: a town's other subdomains are often run by other
# suppliers, so both are left for the town to switch on) and, until a template is approved, wagtail_whatsapp.W004.
# See docs/installation.md.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The documented deployment is gunicorn on 127.0.0.1 behind a proxy that terminates TLS and sets
    # X-Forwarded-Proto (overwriting what the client sent). Without a proxy, DJANGO_BEHIND_HTTPS_PROXY=0.
    if env_bool("DJANGO_BEHIND_HTTPS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_seconds("DJANGO_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
