"""System checks: configuration mistakes surface in ``manage.py check``, never as errors inside a request."""

from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from wagtail_whatsapp import conf
from wagtail_whatsapp.models import WhatsAppSettings


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
                    hint=f"Set WHATSAPP_{name} in the environment: the settings of docs/installation.md read it.",
                    id="wagtail_whatsapp.E002",
                )
            )

    for getter in (
        conf.messages_per_second,
        conf.timeouts,
        conf.send_concurrency,
        conf.messaging_limit,
        conf.prices,
        conf.broadcast_senders,
        conf.broadcasts_per_consumer,
    ):
        try:
            getter()
        except ImproperlyConfigured as exc:
            messages.append(Error(str(exc), id="wagtail_whatsapp.E003"))
    return messages


def _huey_is_immediate():
    from django.conf import settings

    huey_settings = getattr(settings, "HUEY", None)
    if isinstance(huey_settings, dict):
        return bool(huey_settings.get("immediate", settings.DEBUG))
    return bool(getattr(huey_settings, "immediate", False))


@register(Tags.compatibility)
def check_queue(app_configs=None, **kwargs):
    # Inline tasks would make the webhook wait for replies and a broadcast run inside the editor's request.
    if conf.is_cloud_backend() and _huey_is_immediate():
        return [
            Warning(
                "Huey runs tasks immediately (inline) while the cloud backend sends real messages.",
                hint="Set HUEY['immediate'] = False and run a consumer: python manage.py run_huey.",
                id="wagtail_whatsapp.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_webhook_https(app_configs=None, **kwargs):
    from django.conf import settings

    if not conf.is_cloud_backend():
        return []
    base_url = str(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "")
    behind_https = getattr(settings, "SECURE_SSL_REDIRECT", False) or getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if base_url.startswith("https://") and behind_https:
        return []
    return [
        Warning(
            "The WhatsApp webhook may be served without HTTPS: Meta only calls https:// URLs, and the verify token "
            "travels in the handshake's query string.",
            hint="Serve the site over HTTPS: set WAGTAILADMIN_BASE_URL to its https:// address and SECURE_SSL_REDIRECT "
            "(or SECURE_PROXY_SSL_HEADER behind a proxy).",
            id="wagtail_whatsapp.W003",
        )
    ]


def _sites_without_approved_template():
    from wagtail.models import Site

    from wagtail_whatsapp.outbound.template_family import family

    stored = {settings.site_id: settings for settings in WhatsAppSettings.objects.all()}
    return [
        site
        for site in Site.objects.order_by("hostname", "port").select_related("root_page")
        # Unsaved settings for a site without any: a system check writes nothing.
        if not any(family(site, stored.get(site.pk) or WhatsAppSettings(site=site)).values())
    ]


@register(Tags.database)
def check_broadcast_templates(app_configs=None, **kwargs):
    # Outside the 24-hour window Meta only delivers approved templates: without one, a broadcast reaches almost nobody.
    if not conf.is_cloud_backend():
        return []
    try:
        sites = _sites_without_approved_template()
    except DatabaseError:
        return []  # no tables yet (before `migrate`) or no database at all: nothing to say about templates
    return [
        Warning(
            f"The site {site.hostname}:{site.port} has no approved broadcast template: its broadcasts only reach "
            "citizens who wrote in the last 24 hours.",
            hint="Submit the recommended family with `python manage.py whatsapp_create_templates` (or get templates "
            "approved in WhatsApp Manager), then run `python manage.py whatsapp_sync_templates` (the consumer also "
            "syncs hourly); choose them in Settings → WhatsApp → Broadcasting or let the plugin pick them.",
            id="wagtail_whatsapp.W004",
        )
        for site in sites
    ]
