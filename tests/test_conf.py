"""Settings: documented defaults, secret rotation, and configuration mistakes reported by system checks."""

import pytest
from django.core.checks import Warning
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from wagtail_whatsapp import conf
from wagtail_whatsapp.checks import check_settings

CLOUD_WITH_SECRETS = {
    "BACKEND": "cloud",
    "ACCESS_TOKEN": "token",
    "APP_SECRET": "secret",
    "VERIFY_TOKEN": "verify",
    "PHONE_NUMBER_ID": "1",
}


def test_defaults_apply_when_nothing_is_set(settings):
    del settings.WAGTAIL_WHATSAPP
    assert conf.get("API_BASE_URL") == "https://graph.facebook.com"
    assert conf.get("API_VERSION") == "v25.0"
    assert conf.messages_per_second() == 80
    assert conf.send_concurrency() == 32
    assert conf.backend_path() == "wagtail_whatsapp.backends.cloud.CloudBackend"
    assert conf.timeouts().as_requests_timeout() == (5.0, 30.0)
    assert conf.get("WEBHOOK_MAX_BODY_BYTES") == 3 * 1024 * 1024
    assert conf.app_secrets() == []


def test_a_setting_overrides_only_itself(settings):
    settings.WAGTAIL_WHATSAPP = {"API_VERSION": "v26.0", "MESSAGES_PER_SECOND": 1000}
    assert conf.get("API_VERSION") == "v26.0"
    assert conf.messages_per_second() == 1000
    assert conf.get("API_BASE_URL") == "https://graph.facebook.com"


def test_unknown_setting_name_is_refused_in_code():
    with pytest.raises(ImproperlyConfigured):
        conf.get("ACCES_TOKEN")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("one", ["one"]),
        (["new", "old"], ["new", "old"]),
        (["new", "", None], ["new"]),
        ("", []),
        (42, []),
        # As an environment variable holds them (WHATSAPP_APP_SECRET=new,old in docs/going-live.md).
        ("new,old", ["new", "old"]),
        (" new , old ,", ["new", "old"]),
    ],
)
def test_app_secret_may_be_a_list_or_comma_separated_for_rotation(settings, value, expected):
    settings.WAGTAIL_WHATSAPP = {"APP_SECRET": value}
    assert conf.app_secrets() == expected


@pytest.mark.parametrize(("alias", "path"), list(conf.BACKEND_ALIASES.items()))
def test_backend_aliases(settings, alias, path):
    settings.WAGTAIL_WHATSAPP = {"BACKEND": alias}
    assert conf.backend_path() == path
    assert conf.backend_class().__module__ + "." + conf.backend_class().__name__ == path


def test_complete_cloud_configuration_passes_the_checks(settings):
    settings.WAGTAIL_WHATSAPP = CLOUD_WITH_SECRETS
    assert [m for m in check_settings() if m.is_serious()] == []


@pytest.mark.parametrize("missing", ["ACCESS_TOKEN", "APP_SECRET", "VERIFY_TOKEN"])
def test_cloud_without_a_secret_is_a_check_error_naming_it(settings, missing, db):
    # `db`: with the cloud backend `manage.py check` also reads the sites' broadcast templates (W004).
    settings.WAGTAIL_WHATSAPP = {**CLOUD_WITH_SECRETS, missing: ""}
    errors = [m for m in check_settings() if m.is_serious()]
    assert [e.id for e in errors] == ["wagtail_whatsapp.E002"]
    assert f"WAGTAIL_WHATSAPP['{missing}']" in errors[0].msg
    with pytest.raises(SystemCheckError, match=rf"WAGTAIL_WHATSAPP\['{missing}'\]"):
        call_command("check")


def test_sandbox_needs_no_access_token(settings):
    settings.WAGTAIL_WHATSAPP = {"BACKEND": "sandbox"}
    assert [m for m in check_settings() if m.is_serious()] == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MESSAGES_PER_SECOND", 0),
        ("MESSAGES_PER_SECOND", "fast"),
        ("READ_TIMEOUT", -1),
        ("CONNECT_TIMEOUT", True),
        ("SEND_CONCURRENCY", 0),
        ("SEND_CONCURRENCY", 2.5),
    ],
)
def test_bad_numbers_are_check_errors(settings, name, value):
    settings.WAGTAIL_WHATSAPP = {**CLOUD_WITH_SECRETS, name: value}
    errors = [m for m in check_settings() if m.is_serious()]
    assert len(errors) == 1 and name in errors[0].msg


def test_backend_that_cannot_be_imported_is_a_check_error(settings):
    settings.WAGTAIL_WHATSAPP = {"BACKEND": "nowhere.Backend"}
    errors = [m for m in check_settings() if m.is_serious()]
    assert errors[0].id == "wagtail_whatsapp.E001" and "nowhere.Backend" in errors[0].msg


def test_a_typo_in_a_setting_name_is_a_warning(settings):
    settings.WAGTAIL_WHATSAPP = {"BACKEND": "sandbox", "ACCES_TOKEN": "x"}
    warnings = [m for m in check_settings() if isinstance(m, Warning)]
    assert [w.id for w in warnings] == ["wagtail_whatsapp.W001"]
    assert "ACCES_TOKEN" in warnings[0].msg


def test_settings_that_are_not_a_dict_are_a_check_error(settings):
    settings.WAGTAIL_WHATSAPP = ["BACKEND", "cloud"]
    assert [m.id for m in check_settings()] == ["wagtail_whatsapp.E000"]


def test_secrets_never_appear_in_check_messages(settings):
    settings.WAGTAIL_WHATSAPP = {**CLOUD_WITH_SECRETS, "ACCESS_TOKEN": "", "APP_SECRET": "s3cr3t-value"}
    text = " ".join(f"{m.msg} {m.hint}" for m in check_settings())
    assert "s3cr3t-value" not in text


def test_immediate_huey_with_the_cloud_backend_is_a_warning(settings):
    from wagtail_whatsapp.checks import check_queue

    settings.WAGTAIL_WHATSAPP = CLOUD_WITH_SECRETS
    settings.HUEY = {"huey_class": "huey.MemoryHuey", "immediate": True}
    assert [m.id for m in check_queue()] == ["wagtail_whatsapp.W002"]
    settings.HUEY = {"huey_class": "huey.MemoryHuey", "immediate": False}
    assert check_queue() == []
    settings.WAGTAIL_WHATSAPP = {"BACKEND": "sandbox"}
    settings.HUEY = {"huey_class": "huey.MemoryHuey", "immediate": True}
    assert check_queue() == []


@pytest.mark.parametrize(
    ("base_url", "redirect", "expected"),
    [
        ("http://comune.example", False, ["wagtail_whatsapp.W003"]),
        ("https://comune.example", False, ["wagtail_whatsapp.W003"]),
        ("https://comune.example", True, []),
    ],
)
def test_webhook_without_https_is_a_deploy_warning(settings, base_url, redirect, expected):
    from wagtail_whatsapp.checks import check_webhook_https

    settings.WAGTAIL_WHATSAPP = CLOUD_WITH_SECRETS
    settings.WAGTAILADMIN_BASE_URL = base_url
    settings.SECURE_SSL_REDIRECT = redirect
    settings.SECURE_PROXY_SSL_HEADER = None
    assert [m.id for m in check_webhook_https()] == expected
