"""Meta's messaging limit: how many different people a number may reach outside their 24-hour window (that is, with
a template) in any rolling 24 hours. A new town starts at 250; Meta raises it (2,000, 10,000, 100,000, unlimited) as
the number is used well.

A broadcast that needs the template for more people than are left pauses when the quota runs out, says why, and
resumes by itself once the earliest of those messages is 24 hours old (``Broadcast.resume_at``, picked up by the
minute's periodic task). Subscribers inside their window get free-form messages, which the limit does not count.

The tier is read from Meta (``whatsapp_business_manager_messaging_limit``) at most once an hour per number; the
``MESSAGING_LIMIT`` setting may force a number, or turn pacing off (docs/settings.md).
"""

import logging
import math
import threading
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wagtail_whatsapp import conf
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import WhatsAppError
from wagtail_whatsapp.models import Delivery, WhatsAppSettings

logger = logging.getLogger(__name__)

WINDOW = Delivery.MESSAGING_LIMIT_WINDOW
CACHE_SECONDS = 3600
REFRESH_OVERLAP = timedelta(minutes=10)
TIER_LIMITS = {
    "TIER_50": 50,
    "TIER_250": 250,
    "TIER_1K": 1_000,
    "TIER_2K": 2_000,
    "TIER_10K": 10_000,
    "TIER_100K": 100_000,
    "TIER_UNLIMITED": None,
}


def limit_of_tier(tier):
    """People a day for Meta's tier name; None for unlimited or a name this version does not know."""
    return TIER_LIMITS.get(str(tier or "").strip().upper())


def daily_limit(phone_number_id, backend_factory):
    """How many people the number may reach with a template per rolling 24 hours; None: no pacing."""
    setting = conf.messaging_limit()
    if setting != "auto":
        return setting
    key = f"wagtail_whatsapp:messaging_limit:{phone_number_id}"
    tier = cache.get(key)
    if tier is None:
        backend = backend_factory()
        try:
            tier = backend.get_phone_number_info().messaging_limit_tier or ""
        except (WhatsAppError, NotImplementedError) as error:
            # Unknown for now: send unpaced (Meta refuses what is over its limit) and ask again in a few minutes.
            logger.warning("WhatsApp: the number's messaging limit could not be read: %s", error)
            cache.set(key, "", 300)
            return None
        finally:
            backend.close()
        cache.set(key, tier, CACHE_SECONDS)
    return limit_of_tier(tier)


def reached_with_template(site_ids, now=None, since=None):
    """``{person: first template message time}`` for the last 24 hours (or since ``since``, if later) on these sites
    (their shared number).

    A person is a subscriber id; a subscriber erased since (GDPR) still counted for Meta, as ``("delivery", pk)``.
    """
    window_start = (now or timezone.now()) - WINDOW
    deliveries = Delivery.objects.template_accepted(site_ids, max(window_start, since) if since else window_start)
    reached = dict(
        deliveries.filter(subscriber__isnull=False)
        .values("subscriber_id")
        .annotate(first=Min("sent_at"))
        .values_list("subscriber_id", "first")
    )
    for pk, sent_at in deliveries.filter(subscriber__isnull=True).values_list("pk", "sent_at"):
        reached[("delivery", pk)] = sent_at
    return reached


class DailyQuota:
    """The people still reachable with a template now; shared by the sending threads of one broadcast.

    ``refresh()`` (every few seconds, from the dispatcher) adds what other senders of the same number recorded, so two
    broadcasts at once share the places; between two refreshes they may go a few messages over together.
    """

    def __init__(self, limit, reached, site_ids=(), clock=timezone.now):
        self.limit = limit
        self.reached = dict(reached)  # person → first template message in the last 24 hours
        self.site_ids = list(site_ids)
        self.clock = clock
        self.lock = threading.Lock()
        self.read_at = clock()  # ``reached`` holds what was recorded up to here

    @classmethod
    def for_number(cls, phone_number_id, backend_factory):
        limit = daily_limit(phone_number_id, backend_factory)
        if limit is None:
            return None
        site_ids = WhatsAppSettings.site_ids_sending_from(phone_number_id)
        return cls(limit, reached_with_template(site_ids), site_ids)

    def _forget_old(self, now):
        """Places taken more than 24 hours ago are free again (called with the lock held)."""
        since = now - WINDOW
        for person in [person for person, at in self.reached.items() if at < since]:
            del self.reached[person]

    def refresh(self):
        """Add what was recorded since the last read. Not the whole day again: with a tier of 10,000 or more that
        would be thousands of rows every two seconds. The overlap catches a status whose time, taken from Meta, is
        older than the moment it was stored."""
        now = self.clock()
        recorded = reached_with_template(self.site_ids, now=now, since=self.read_at - REFRESH_OVERLAP)
        self.read_at = now
        with self.lock:
            for person, at in recorded.items():
                self.reached[person] = min(at, self.reached.get(person, at))

    @property
    def left(self):
        with self.lock:
            self._forget_old(self.clock())
            return max(0, self.limit - len(self.reached))

    def take(self, subscriber_id):
        """True when this subscriber may get a template now (already counted today, or a place is left)."""
        with self.lock:
            now = self.clock()
            self._forget_old(now)
            if subscriber_id in self.reached:
                return True
            if len(self.reached) >= self.limit:
                return False
            self.reached[subscriber_id] = now
            return True

    def frees_at(self):
        """When the first place frees up: the earliest counted message turns 24 hours old (never in the past)."""
        with self.lock:
            now = self.clock()
            self._forget_old(now)
            earliest = min(self.reached.values(), default=None)
        return max(now, (earliest or now) + WINDOW)


def quota_left(site, backend_factory):
    """``(limit, left)`` for the site's number now, or None when it is not paced (for the confirmation view)."""
    phone_number_id = WhatsAppSettings.for_site(site).sending_number_id
    quota = DailyQuota.for_number(phone_number_id, lambda: backend_factory(phone_number_id))
    return None if quota is None else (quota.limit, quota.left)


def pause_reason(limit, when):
    """What the report says of a broadcast waiting for the messaging limit."""
    when_text = timezone.localtime(when).strftime("%d/%m/%Y %H:%M")
    if limit is None:
        return _("Waiting: the remaining messages are due on %(when)s; sending goes on by itself then.") % {
            "when": when_text
        }
    return _(
        "Waiting for WhatsApp's daily limit: this number may reach %(limit)s people a day who have not written in the "
        "last 24 hours, and today's places are used. Sending goes on by itself on %(when)s."
    ) % {"limit": limit, "when": when_text}


def held_back(site, template_recipients):
    """How many of ``template_recipients`` wait for places that free up over the next days (0 when not paced)."""
    quota = quota_left(site, get_backend) if template_recipients else None
    return 0 if quota is None else max(0, template_recipients - quota[1])


def plan_warnings(site, template_recipients):
    """For the confirmation view: what the limit means for a broadcast needing the template for this many people."""
    quota = quota_left(site, get_backend) if template_recipients else None
    if quota is None:
        return []
    limit, left = quota
    if template_recipients <= left:
        return []
    later = template_recipients - left
    days = math.ceil(later / limit)
    text = ngettext(
        "WhatsApp lets this number reach %(limit)s people a day who have not written in the last 24 hours, and "
        "%(left)s places are left today: %(later)s subscribers will get this message within the next day, as places "
        "free up. The broadcast waits and goes on by itself.",
        "WhatsApp lets this number reach %(limit)s people a day who have not written in the last 24 hours, and "
        "%(left)s places are left today: %(later)s subscribers will get this message over the next %(days)s days, as "
        "places free up. The broadcast waits and goes on by itself.",
        days,
    )
    return [text % {"limit": limit, "left": left, "later": later, "days": days}]
