"""Helpers for broadcast tests: a published news page, subscribers, an approved template."""

from datetime import timedelta

from django.utils import timezone

from wagtail_whatsapp.models import MessageTemplate, Subscriber

TEMPLATE_COMPONENTS = [
    {"type": "HEADER", "format": "IMAGE"},
    {"type": "BODY", "text": "Novità dal Comune: {{1}}\n{{2}}"},
    {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Leggi", "url": "https://testserver/{{1}}"}]},
]


def news_page(site, title="Chiusura di via Roma", image=None, **fields):
    from town.models import NewsIndexPage, NewsPage

    index = site.root_page.get_children().type(NewsIndexPage).first()
    if index is None:
        index = site.root_page.add_child(instance=NewsIndexPage(title="Notizie", slug="notizie"))
    page = index.specific.add_child(
        instance=NewsPage(
            title=title, slug=f"news-{NewsPage.objects.count() + 1}", intro="Lavori in corso.", image=image, **fields
        )
    )
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def subscribers(site, count, *, in_window=0, start=0, status=Subscriber.Status.ACTIVE):
    """``count`` subscribers (+39 333 000 0000 + n); the first ``in_window`` wrote an hour ago."""
    now = timezone.now()
    rows = [
        Subscriber(
            site=site,
            phone_number=f"+39333{start + n:07d}",
            status=status,
            subscribed_at=now,
            last_inbound_at=now - timedelta(hours=1) if n < in_window else now - timedelta(days=3),
        )
        for n in range(count)
    ]
    return Subscriber.objects.bulk_create(rows)


def approved_template(site, components=None, mapping="", **fields):
    """An approved template chosen in the site's family for the kind its header and body say (an image header: the
    image template...), with ``mapping`` as the parameter mapping."""
    from wagtail_whatsapp.models import WhatsAppSettings
    from wagtail_whatsapp.outbound.template_family import template_kind

    template = MessageTemplate.objects.create(
        waba_id="102290129340398",
        name=fields.pop("name", "notizia_comune"),
        language="it",
        category="MARKETING",
        status="APPROVED",
        components=components if components is not None else TEMPLATE_COMPONENTS,
        **fields,
    )
    settings = WhatsAppSettings.for_site(site)
    setattr(settings, WhatsAppSettings.TEMPLATE_FIELDS[template_kind(template)], template)
    settings.template_parameter_mapping = mapping
    settings.save()
    return template
