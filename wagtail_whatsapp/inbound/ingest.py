"""Everything after signature verification: parse, route to a site, store once, enqueue the work.

Called by the webhook view and by the sandbox backend (which feeds statuses back the way Meta would). It stays fast:
a few queries per POST whatever its size, no replies and no bookkeeping here; those run in Huey tasks.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Site

from wagtail_whatsapp import conf
from wagtail_whatsapp.inbound import confirmations, events, tasks
from wagtail_whatsapp.inbound.citizens import find_subscriber
from wagtail_whatsapp.inbound.intents import SUBSCRIBE
from wagtail_whatsapp.inbound.keyword_dispatch import intent_of
from wagtail_whatsapp.inbound.payload_bounds import bounded, storable
from wagtail_whatsapp.inbound.row_inserts import insert_rows, values_of
from wagtail_whatsapp.models import InboundMessage, StatusUpdate, WhatsAppSettings
from wagtail_whatsapp.numbers import mask_number

logger = logging.getLogger(__name__)


@dataclass
class IngestResult:
    messages: int = 0  # inbound messages stored now
    statuses: int = 0  # status updates stored now
    duplicates: int = 0  # messages and statuses already stored (Meta retried or replayed)
    preferences: int = 0
    changes: int = 0  # changes passed on through the change_received signal
    errors: int = 0  # value.errors[] (logged, passed on)
    unknown_number: int = 0  # events for a phone_number_id no site serves: acknowledged, not processed
    skipped: list = field(default_factory=list)

    def as_dict(self):
        return {name: (len(value) if isinstance(value, list) else value) for name, value in self.__dict__.items()}


# phone_number_id → site id changes only when an admin edits the settings; looking it up on every POST was a third of
# the webhook's queries. Kept for a few seconds per process, and dropped at once in the process that saves a setting.
ROUTES_TTL = 10.0
_routes_cache = {}
_routes_lock = threading.Lock()


def clear_routes_cache(**kwargs):
    with _routes_lock:
        _routes_cache.clear()


def connect_routes_cache():
    """Saving or deleting a site or its WhatsApp settings drops the cache at once (AppConfig.ready connects it)."""
    for model in (WhatsAppSettings, Site):
        post_save.connect(clear_routes_cache, sender=model, dispatch_uid=f"wagtail_whatsapp_routes_{model.__name__}")
        post_delete.connect(clear_routes_cache, sender=model, dispatch_uid=f"wagtail_whatsapp_routes_d{model.__name__}")


def site_ids_for(phone_number_ids):
    """phone_number_id → site id (``WhatsAppSettings.site_ids_for_numbers``), cached for ``ROUTES_TTL`` seconds."""
    wanted = frozenset(number_id for number_id in phone_number_ids if number_id)
    key = (wanted, conf.default_phone_number_id())
    now = time.monotonic()
    with _routes_lock:
        cached = _routes_cache.get(key)
    if cached is not None and now - cached[0] < ROUTES_TTL:
        return cached[1]
    routes = WhatsAppSettings.site_ids_for_numbers(wanted)
    with _routes_lock:
        if len(_routes_cache) > 1000:  # ids come from outside: never let them grow the cache without bound
            _routes_cache.clear()
        _routes_cache[key] = (now, routes)
    return routes


def ingest_payload(payload):
    """Store the events of one webhook payload and enqueue their processing. Raises ``events.PayloadError``."""
    parsed = events.parse_payload(storable(payload))
    result = IngestResult(skipped=parsed.skipped)
    for reason in parsed.skipped:
        logger.warning("WhatsApp webhook: skipped an element: %s", reason)

    routes = site_ids_for(event.phone_number_id for event in parsed.events)
    routed = []
    for event in parsed.events:
        number_id = event.phone_number_id
        if number_id in routes or (isinstance(event, events.ChangeReceived) and not number_id):
            routed.append(event)
        else:
            result.unknown_number += 1
            logger.warning("WhatsApp webhook for unknown phone_number_id %s ignored", mask_number(number_id))

    _store_messages([e for e in routed if isinstance(e, events.InboundMessage)], routes, result)
    _store_statuses([e for e in routed if isinstance(e, events.StatusUpdate)], routes, result)
    _enqueue_others(routed, routes, result)
    return result


def _store_messages(messages, routes, result):
    if not messages:
        return
    wamids = {message.wamid for message in messages}
    known = set(InboundMessage.objects.filter(wamid__in=wamids).values_list("wamid", flat=True))
    store_names = conf.get("STORE_PROFILE_NAMES")
    new = {}
    for message in messages:
        if message.wamid in known or message.wamid in new:
            result.duplicates += 1
            continue
        new[message.wamid] = InboundMessage(
            site_id=routes[message.phone_number_id],
            wamid=message.wamid,
            phone_number=message.phone_number,
            wa_user_id=message.user_id,
            profile_name=message.profile_name if store_names else "",
            message_type=message.message_type,
            text=message.text,
            media_id=message.media_id,
            media_mime_type=message.media_mime_type,
            payload=bounded(message.raw),  # the message object only: profile names live in value.contacts, not here
            sent_at=message.timestamp,
        )
    _read_intents(new.values())
    stored = _create(InboundMessage, {wamid: values_of(message) for wamid, message in new.items()}, result)
    result.messages += len(stored)
    if stored:
        # The task carries row ids, never wamids (Meta's spell out the number): erasing the rows empties the queue.
        stored = InboundMessage.objects.filter(wamid__in=stored).values_list("pk", flat=True)
        tasks.process_inbound_messages(sorted(stored))


def _read_intents(messages):
    """Mark the keywords (ISCRIVIMI, "vorrei cancellarmi", a "SÌ" to the double opt-in's question...) before they are
    stored: they are for the consent log, never for the moderators' inbox, not even for the moment before the task
    handles them. One query per POST, and one per "SÌ"."""
    site_ids = {message.site_id for message in messages if message.text}
    if not site_ids:
        return
    settings = {s.site_id: s for s in WhatsAppSettings.objects.filter(site_id__in=site_ids).select_related("site")}
    for site in Site.objects.filter(pk__in=site_ids - settings.keys()):
        settings[site.pk] = WhatsAppSettings.for_site(site)  # a fresh install: the defaults, as the task will use
    for message in messages:
        if message.text:
            message.keyword_action = intent_of(settings[message.site_id], message) or ""
        if not message.keyword_action and confirmations.answers_a_question(message.site_id, message):
            message.keyword_action = SUBSCRIBE  # the double opt-in's "SÌ": a step of subscribing


def _store_statuses(statuses, routes, result):
    if not statuses:
        return
    known = set(
        StatusUpdate.objects.filter(wamid__in={status.wamid for status in statuses}).values_list("wamid", "status")
    )
    new = {}
    for status in statuses:
        key = (status.wamid, status.status)
        if key in known or key in new:
            result.duplicates += 1
            continue
        # A dict of its values, not a StatusUpdate: a broadcast's webhooks bring a hundred statuses a POST, and
        # building a model instance for each cost more than storing them (row_inserts.py).
        new[key] = {
            "site_id": routes[status.phone_number_id],
            "wamid": status.wamid,
            "status": status.status,
            "timestamp": status.timestamp,
            "recipient_id": status.recipient_id,
            "callback_data": status.callback_data,
            "error_code": status.error_code,
            "error_title": status.error_title,
            "payload": bounded(status.raw),
        }
    stored = _create(StatusUpdate, new, result)
    result.statuses += len(stored)
    if stored:
        # The rows of this POST only: a message's earlier statuses, handled long ago, would cost the task a query.
        rows = StatusUpdate.objects.filter(wamid__in={wamid for wamid, _status in stored})
        pks = [pk for pk, wamid, status in rows.values_list("pk", "wamid", "status") if (wamid, status) in stored]
        tasks.process_status_updates(sorted(pks))


def _create(model, rows, result):
    """Insert ``rows`` ({key: dict of field values}) in one statement; the keys of the rows stored.

    Conflicts ignored: a concurrent delivery of the same event loses quietly; the task's claim keeps it single. When
    the database refuses the batch (a value no cleaning foresaw), each row is tried on its own, so one bad element
    costs only itself. When it refuses every row, the fault is the database's, not the rows': the error goes up and
    Meta, answered 500, sends the POST again later."""
    if not rows:
        return {}
    try:
        with transaction.atomic():
            insert_rows(model, rows.values())
        return rows
    except (DatabaseError, ValueError, OverflowError):
        logger.warning("WhatsApp webhook: %s batch refused; storing its rows one by one", model.__name__, exc_info=True)
    stored, failure = {}, None
    for key, values in rows.items():
        try:
            with transaction.atomic():
                model(**values).save(force_insert=True)
        except IntegrityError:
            result.duplicates += 1  # stored meanwhile by a concurrent delivery of the same POST
        except (DatabaseError, ValueError, OverflowError) as exc:
            failure = exc
            result.skipped.append(f"a {model.__name__} refused by the database")
            # No wamid in the log: Meta's spell out the number.
            logger.error("WhatsApp webhook: a %s refused by the database: %s", model.__name__, exc)
        else:
            stored[key] = values
    if failure is not None and not stored:
        raise failure
    return stored


def _enqueue_others(routed, routes, result):
    preferences, changes, errors = [], [], []
    for event in routed:
        site_id = routes.get(event.phone_number_id)
        if isinstance(event, events.PreferenceChange):
            # Only for a known subscriber, and by their row id: the queue never holds a number.
            subscriber = find_subscriber(site_id, event.phone_number, event.user_id) if site_id else None
            if subscriber is not None:
                preferences.append({"subscriber_id": subscriber.pk, "value": event.value, "timestamp": event.timestamp})
        elif isinstance(event, events.ChangeReceived):
            changes.append({"field": event.field, "value": event.value, "site_id": site_id})
        elif isinstance(event, events.WebhookError):
            logger.warning("WhatsApp reported error #%s for a number: %s %s", event.code, event.title, event.details)
            value = {"code": event.code, "title": event.title, "details": event.details}
            errors.append({"field": "errors", "value": value, "site_id": site_id})
    result.preferences += len(preferences)
    result.changes += len(changes)
    result.errors += len(errors)
    if preferences:
        tasks.process_preference_changes(preferences)
    if changes or errors:
        tasks.process_changes(changes + errors)
