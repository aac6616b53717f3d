"""System checks: configuration mistakes surface in ``manage.py check``, never as errors inside a request."""

from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from . import conf


@register(Tags.compatibility)
def check_settings(app_configs=None, **kwargs):
    messages = []
    try:
        conf._user_settings()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="wagtail_whatsapp.E000")]

    for name in conf.unknown_setting_names():
        messages.append(
            Warning(
                f"WAGTAIL_WHATSAPP['{name}'] is not a wagtail-whatsapp setting and is ignored.",
                hint="See docs/settings.md for the list of settings.",
                id="wagtail_whatsapp.W001",
            )
        )

    try:
        conf.backend_class()
    except ImproperlyConfigured as exc:
        messages.append(Error(str(exc), id="wagtail_whatsapp.E001"))

    if conf.is_cloud_backend():
        for name in conf.missing_cloud_settings():
            messages.append(
                Error(
                    f"WAGTAIL_WHATSAPP['{name}'] is required by the cloud backend and is not set.",
                    hint=f"Set it from the environment (the example site reads WHATSAPP_{name}).",
                    id="wagtail_whatsapp.E002",
                )
            )

    for getter in (conf.messages_per_second, conf.timeouts):
        try:
            getter()
        except ImproperlyConfigured as exc:
            messages.append(Error(str(exc), id="wagtail_whatsapp.E003"))
    return messages
