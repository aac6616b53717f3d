"""Who receives a page: the site's active subscribers whose choices of topics and places match the page's.

The rule, per kind (topics, places) the page names: a citizen receives it when they chose nothing of that kind, or
one of the page's. So a citizen with no choice at all receives everything (today's behaviour, nobody loses news), a
page with no topics goes to everyone, and a page about "Eventi" in "Sellere" reaches who chose "Eventi" (or no topic)
and "Sellere" (or no place). It stays one queryset: ``delivery_claims.fan_out`` inserts from it in SQL.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from wagtail_whatsapp.models import Subscriber, Topic
from wagtail_whatsapp.outbound import urgent


def page_topics(page):
    """The topics and places a page carries (none for a page without the mixin, or unsaved)."""
    page = page.specific if page is not None else None
    if page is None or not page.pk or not hasattr(page, "whatsapp_topics"):
        return []
    return list(page.whatsapp_topics.all())


def matching(subscribers, topics):
    """``subscribers`` narrowed to those whose choices match ``topics`` (see the module's rule)."""
    choices = Subscriber.topics.through.objects.filter(subscriber_id=OuterRef("pk"))
    for kind in Topic.Kind.values:
        wanted = [topic.pk for topic in topics if topic.kind == kind]
        if wanted:
            of_kind = choices.filter(topic__kind=kind)
            subscribers = subscribers.filter(~Exists(of_kind) | Exists(of_kind.filter(topic_id__in=wanted)))
    return subscribers


def recipients(site, page):
    """The active subscribers of ``site`` (a Site or its id) who receive ``page``."""
    return matching(Subscriber.objects.active(site), page_topics(page))


def broadcast_recipients(broadcast):
    """Who ``broadcast`` goes to: an urgent one (a civil-protection alert) to every active subscriber whatever they
    chose, any other to those whose choices match its page's."""
    if urgent.reaches_everyone(broadcast):
        return Subscriber.objects.active(broadcast.site_id)
    return recipients(broadcast.site_id, broadcast.page)


@dataclass(frozen=True)
class ChoiceShare:
    """How many of a broadcast's recipients chose ``topic`` (or, when ``topic`` is None, chose nothing of its
    kind), and how many of them are outside the 24-hour window (they get a billed template)."""

    topic: object
    recipients: int
    template_recipients: int


def shares(subscribers, topics):
    """One ChoiceShare per topic of the page, then one for "no choice" (the recipients who chose none of them)."""
    result = []
    for topic in topics:
        chose = subscribers.filter(topics=topic)
        total = chose.count()
        result.append(ChoiceShare(topic, total, total - chose.in_service_window().count()))
    if topics:
        rest = subscribers.exclude(topics__in=topics)
        total = rest.count()
        result.append(ChoiceShare(None, total, total - rest.in_service_window().count()))
    return result
