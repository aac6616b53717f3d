"""Settings for real consumer processes in tests and benchmarks: a file SQLite database shared by processes.

Everything varying comes from the environment: ``WW_DB_PATH`` (the database file), ``WW_HUEY_PATH`` (a SqliteHuey
file), ``WW_WHATSAPP`` (JSON merged into ``WAGTAIL_WHATSAPP``).
"""

import json
import os
import tempfile

# The example site fails closed; tests run it as a development machine does (the HTTPS-only production block off).
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-never-used-by-a-site-" + "x" * 20)
os.environ.setdefault("EXAMPLE_SITE_VAR_DIR", tempfile.mkdtemp(prefix="wagtail-whatsapp-process-"))

from esempio.settings import *  # noqa: E402,F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["WW_DB_PATH"],
        # WAL lets readers run beside the writer; IMMEDIATE transactions queue up for the lock instead of failing.
        "OPTIONS": {
            "timeout": 60,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "tests",
    "filename": os.environ.get("WW_HUEY_PATH", os.environ["WW_DB_PATH"] + ".huey"),
    "immediate": False,
    "consumer": {"workers": 2, "worker_type": "thread"},
}
DEBUG = False  # as in production: with DEBUG every connection keeps its last 9,000 queries in memory
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"
WAGTAILADMIN_BASE_URL = "http://testserver"
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
WAGTAIL_WHATSAPP = {
    "BACKEND": "sandbox",
    "ACCESS_TOKEN": "test-access-token",
    "APP_SECRET": "test-app-secret",
    "VERIFY_TOKEN": "test-verify-token",
    "PHONE_NUMBER_ID": "106540352242922",
    "WABA_ID": "102290129340398",
    **json.loads(os.environ.get("WW_WHATSAPP", "{}")),
}
