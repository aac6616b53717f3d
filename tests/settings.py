"""Test settings: the example site, on a throwaway database, with Huey running tasks inline."""

import os
import tempfile

# The example site fails closed; tests run it as a development machine does (the HTTPS-only production block off).
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-never-used-by-a-site-" + "x" * 20)
os.environ.setdefault("EXAMPLE_SITE_VAR_DIR", tempfile.mkdtemp(prefix="wagtail-whatsapp-tests-"))

from esempio.settings import *  # noqa: E402,F403

# Tests run on SQLite unless the scale path points DATABASE_URL at PostgreSQL.
# The test database is a file with the example site's SQLite options (WAL, IMMEDIATE transactions, a busy timeout),
# not Django's shared in-memory database: the browser tests' live server, their Huey consumer thread and the test
# each get a connection of their own, as the web and worker processes of a real site do. (An in-memory database is
# one connection shared by every thread, whose transactions then interleave.)
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {"huey_class": "huey.MemoryHuey", "name": "tests", "immediate": True}
LANGUAGE_CODE = "en"
WAGTAILADMIN_BASE_URL = "http://testserver"
ALLOWED_HOSTS = ["*"]

WAGTAIL_WHATSAPP = {
    "BACKEND": "sandbox",
    "ACCESS_TOKEN": "test-access-token",
    "APP_SECRET": "test-app-secret",
    "VERIFY_TOKEN": "test-verify-token",
    "PHONE_NUMBER_ID": "106540352242922",
    "WABA_ID": "102290129340398",
    # Tests run inside a transaction that sender threads could not see (on PostgreSQL): send from the calling thread.
    "BROADCAST_WORKERS": 1,
}
