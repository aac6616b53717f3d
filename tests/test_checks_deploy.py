"""`manage.py check --deploy` on the example site with production settings reports exactly the expected warnings.

What remains is deliberate and documented in docs/installation.md: HSTS for subdomains and the preload list are the
town's choice (security.W005, security.W021), and until a broadcast template is approved wagtail_whatsapp.W004.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MANAGE = REPO / "example_site" / "manage.py"
CHECK_ID = re.compile(r"\((\w+\.[EWC]\d{3})\)")

pytestmark = pytest.mark.slow


@pytest.fixture
def production(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "HUEY_", "DJANGO_", "DATABASE_"))}
    env = {
        **clean,
        "EXAMPLE_SITE_VAR_DIR": str(tmp_path),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "www.comune.esempio.it",
        "WAGTAILADMIN_BASE_URL": "https://www.comune.esempio.it",
        "WHATSAPP_BACKEND": "cloud",
        "WHATSAPP_ACCESS_TOKEN": "EAAG-production-like-token",
        "WHATSAPP_APP_SECRET": "a-production-like-app-secret",
        "WHATSAPP_VERIFY_TOKEN": "a-production-like-verify-token",
        "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
        "WHATSAPP_WABA_ID": "102290129340398",
    }

    def manage(*args, **extra_env):
        result = subprocess.run(
            [sys.executable, str(MANAGE), *args],
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout + result.stderr

    return manage


def deploy_check_ids(manage, **extra_env):
    # As docs/installation.md says: Django 6.1 runs database checks (W004) only when a database is named.
    return set(CHECK_ID.findall(manage("check", "--deploy", "--database", "default", **extra_env)))


def test_check_deploy_reports_exactly_the_deliberate_warnings(production):
    # Before `migrate` the template check cannot read the database and stays silent instead of crashing.
    assert deploy_check_ids(production) == {"security.W005", "security.W021"}

    production("migrate", "--noinput", "-v0")
    assert deploy_check_ids(production) == {"security.W005", "security.W021", "wagtail_whatsapp.W004"}

    # The town opts in to HSTS for subdomains and preload, and chooses its approved template: nothing is left.
    production(
        "shell",
        "-c",
        "from wagtail.models import Site; from wagtail_whatsapp.models import MessageTemplate, WhatsAppSettings;"
        "t = MessageTemplate.objects.create(waba_id='1', name='notizie', language='it', status='APPROVED');"
        "w = WhatsAppSettings.for_site(Site.objects.get()); w.text_template = t; w.save()",
    )
    assert deploy_check_ids(production, DJANGO_HSTS_INCLUDE_SUBDOMAINS="1", DJANGO_HSTS_PRELOAD="1") == set()


def test_plain_http_in_production_is_reported(production):
    ids = deploy_check_ids(
        production,
        WAGTAILADMIN_BASE_URL="http://www.comune.esempio.it",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_BEHIND_HTTPS_PROXY="0",
    )
    assert ids == {"security.W005", "security.W021", "security.W008", "wagtail_whatsapp.W003"}
