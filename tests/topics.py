"""Helpers for the topics and places tests: a site's topics, citizens who chose them, a list reply as Meta sends it."""

from tests.signing import load_webhook
from wagtail_whatsapp.inbound.topic_choices import ROW_PREFIX
from wagtail_whatsapp.models import Subscriber, Topic


def add_topics(settings, *names, kind=Topic.Kind.TOPIC):
    """``names`` as topics (or places) of the site, in order; returns them."""
    start = settings.topics.count()
    return [
        Topic.objects.create(settings=settings, kind=kind, name=name, sort_order=start + i)
        for i, name in enumerate(names)
    ]


def subscriber_choosing(site, number, *topics, in_window=False):
    """An active subscriber who chose ``topics`` (none: everything)."""
    from django.utils import timezone

    subscriber = Subscriber.objects.create(
        site=site,
        phone_number=number,
        subscribed_at=timezone.now(),
        last_inbound_at=timezone.now() if in_window else None,
    )
    subscriber.topics.set(topics)
    return subscriber


def list_reply(topic, *, at, wamid=None):
    """The webhook of a citizen picking ``topic`` in the topics list (tests/fixtures/webhooks/)."""
    payload = load_webhook("webhook_incoming_interactive_list_reply")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["timestamp"] = str(at)
    if wamid:
        message["id"] = wamid
    message["interactive"]["list_reply"].update(id=f"{ROW_PREFIX}{topic.pk}", title=topic.name)
    return payload
