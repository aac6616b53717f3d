"""The example site's e-mail (Wagtail's workflow notifications): the console in development, SMTP from the
environment when a mail server is given, a clear error for a bad port."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
READ = (
    "import json, esempio.settings as s; print(json.dumps({k: getattr(s, k) for k in "
    "('EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_HOST_USER', 'DEFAULT_FROM_EMAIL')}))"
)


def example_settings(tmp_path, **env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("EMAIL_", "DJANGO_"))}
    clean.update(
        PYTHONPATH=f"{REPO / 'example_site'}{os.pathsep}{REPO}",
        EXAMPLE_SITE_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY="x" * 60,
        **env,
    )
    return subprocess.run([sys.executable, "-c", READ], env=clean, capture_output=True, text=True, timeout=60)


def test_development_writes_mail_to_the_console(tmp_path):
    result = example_settings(tmp_path, DJANGO_DEBUG="1")
    assert json.loads(result.stdout)["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_a_mail_server_from_the_environment_is_used_over_smtp(tmp_path):
    result = example_settings(
        tmp_path,
        DJANGO_DEBUG="0",
        EMAIL_HOST="smtp.comune.example.it",
        EMAIL_HOST_USER="notifiche",
        DJANGO_DEFAULT_FROM_EMAIL="notifiche@comune.example.it",
    )
    mail = json.loads(result.stdout)
    assert mail == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.comune.example.it",
        "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True,
        "EMAIL_HOST_USER": "notifiche",
        "DEFAULT_FROM_EMAIL": "notifiche@comune.example.it",
    }


def test_a_bad_port_is_named(tmp_path):
    result = example_settings(tmp_path, DJANGO_DEBUG="1", EMAIL_HOST="smtp.example.it", EMAIL_PORT="smtp")
    assert result.returncode != 0 and "EMAIL_PORT must be a port number" in result.stderr
