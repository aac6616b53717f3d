"""Demo data for the WhatsApp service, only ever with the sandbox backend: subscribers, the template family (the
sandbox approves the recommended one; the plugin picks a template of each kind) and one broadcast of the latest
news, so `make demo` shows counts, a report and a chat without writing to anyone real."""

from datetime import timedelta

from django.utils import timezone

from wagtail_whatsapp import conf
from wagtail_whatsapp.models import Broadcast, ConsentRecord, MessageTemplate, Subscriber
from wagtail_whatsapp.numbers import normalise_number
from wagtail_whatsapp.outbound.broadcasts import BroadcastRefused, start_broadcast
from wagtail_whatsapp.outbound.templates import sync_templates

DEMO_SUBSCRIBERS = 24
RECENTLY_WROTE = 6  # inside the 24-hour window: they get the text itself, the others the template


def demo_numbers():
    # Made-up Italian mobile numbers: the sandbox backend is what guarantees that nothing is ever sent to them.
    return [normalise_number(f"+39 345 000 {index:04d}") for index in range(1, DEMO_SUBSCRIBERS + 1)]


def load(site, news_page, user, stdout):
    if not conf.is_sandbox_backend():
        stdout.write("WhatsApp demo data skipped: only with the sandbox backend.")
        return
    if not MessageTemplate.objects.filter(status=MessageTemplate.Status.APPROVED).exists():
        sync_templates()
    now = timezone.now()
    for index, number in enumerate(demo_numbers()):
        subscriber, created = Subscriber.objects.get_or_create(
            site=site,
            phone_number=number,
            defaults={
                "status": Subscriber.Status.ACTIVE,
                "source": Subscriber.Source.IMPORTED,
                "subscribed_at": now - timedelta(days=index * 3 + 1),
                "last_inbound_at": now - timedelta(hours=2) if index < RECENTLY_WROTE else None,
            },
        )
        if created:
            ConsentRecord.objects.create(
                site=site,
                subscriber=subscriber,
                action=ConsentRecord.Action.IMPORT,
                phone_number=number,
                note="Dati di esempio",
            )
    if not Broadcast.objects.filter(page=news_page).exists():
        try:
            start_broadcast(news_page, user=user, site=site)
        except BroadcastRefused as refused:
            stdout.write(f"Demo broadcast not started: {refused.reason}")
