"""Requests of one citizen about their data (GDPR art. 15 and 17): export everything held, or erase it.

A citizen is named by a phone number or by a WhatsApp user id (Meta's usernames may hide the number); rows that
carry both link the two, and every row of either is theirs (``find_citizen``).

Erasure deletes the subscriber rows and the messages, unlinks deliveries, anonymises the consent log, deletes the
status webhooks and sandbox messages of their deliveries (Meta's wamid spells the number out), and scrubs Wagtail's
audit log. Only what is needed to honour a block or an opt-out survives: keyed hashes of the number and user id
(``BlockedNumber``, ``OptedOutNumber``). An "erase" consent record, without the number, says when and by whom.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from wagtail.log_actions import log

from wagtail_whatsapp.models import (
    BlockedNumber,
    ConsentRecord,
    Delivery,
    InboundMessage,
    OptedOutNumber,
    Reply,
    SandboxMessage,
    StatusUpdate,
    Subscriber,
    SubscriptionRequest,
)
from wagtail_whatsapp.numbers import normalise_identity
from wagtail_whatsapp.subscribers import forgetting, identities
from wagtail_whatsapp.subscribers.blocking import is_blocked
from wagtail_whatsapp.subscribers.opt_outs import has_opted_out

# The consent log's note of an erasure, written in the site's language (forgetting.in_site_language).
ERASURE_NOTE = gettext_noop("Personal data erased on request (GDPR art. 17).")
BLOCK_KEPT_NOTE = gettext_noop("Block kept as a hash.")
OPT_OUT_KEPT_NOTE = gettext_noop("Opt-out kept as a hash.")


@dataclass
class Citizen:
    """Every number and WhatsApp user id one citizen is known by on one site."""

    site: object
    numbers: set = field(default_factory=set)
    user_ids: set = field(default_factory=set)

    def matching(self, number_field="phone_number", user_id_field="wa_user_id"):
        condition = Q(pk__in=[])
        if self.numbers:
            condition |= Q(**{f"{number_field}__in": self.numbers})
        if self.user_ids:
            condition |= Q(**{f"{user_id_field}__in": self.user_ids})
        return condition

    @property
    def name(self):
        return sorted(self.numbers or self.user_ids)[0]

    @property
    def identities(self):
        """``(number, user_id)`` pairs, one identity each, for the functions that take either."""
        return [(n, "") for n in sorted(self.numbers)] + [("", u) for u in sorted(self.user_ids)]

    @property
    def recipients(self):
        """As the Graph API and the sandbox write them: digits without "+", the number, the user id."""
        return {n.lstrip("+") for n in self.numbers} | self.numbers | self.user_ids


def find_citizen(site, number_or_user_id):
    """The citizen a number or user id names, with the other identities the stored rows link to it. Raises
    InvalidNumber for text that is neither."""
    number, user_id = normalise_identity(number_or_user_id)
    citizen = Citizen(site, {number} - {""}, {user_id} - {""})
    for _round in range(3):  # a number links a user id, which may link an older number: a few rounds settle it
        known = (len(citizen.numbers), len(citizen.user_ids))
        for model in (Subscriber, InboundMessage, ConsentRecord):
            for row_number, row_user_id in model.objects.filter(citizen.matching(), site=site).values_list(
                "phone_number", "wa_user_id"
            ):
                citizen.numbers |= {row_number} - {""}
                citizen.user_ids |= {row_user_id} - {""}
        if (len(citizen.numbers), len(citizen.user_ids)) == known:
            break
    return citizen


def _records(citizen):
    subscribers = list(Subscriber.objects.filter(citizen.matching(), site=citizen.site))
    consent = ConsentRecord.objects.filter(site=citizen.site).filter(citizen.matching() | Q(subscriber__in=subscribers))
    messages = InboundMessage.objects.filter(site=citizen.site).filter(
        citizen.matching() | Q(subscriber__in=subscribers)
    )
    deliveries = Delivery.objects.filter(subscriber__in=subscribers).select_related("broadcast")
    return subscribers, consent, messages, deliveries


def _requests(citizen):
    """The citizen's subscription requests waiting for their "SÌ" (double opt-in), found by the keyed hashes they
    are kept under."""
    pks = set()
    for number, user_id in citizen.identities:
        number_hash = identities.number_hash(number) if number else ""
        user_id_hash = identities.user_id_hash(user_id) if user_id else ""
        matching = SubscriptionRequest.objects.for_identity_hashes(citizen.site, number_hash, user_id_hash)
        pks |= set(matching.values_list("pk", flat=True))
    return SubscriptionRequest.objects.filter(pk__in=pks).order_by("asked_at")


def _iso(value):
    return value.isoformat() if value else None


def export_number(site, number_or_user_id):
    """All data held about one citizen (by number or WhatsApp user id) on one site, as a JSON-serialisable dict."""
    citizen = find_citizen(site, number_or_user_id)
    subscribers, consent, messages, deliveries = _records(citizen)
    numbers, user_ids = sorted(citizen.numbers), sorted(citizen.user_ids)
    return {
        "number": numbers[0] if numbers else "",
        "numbers": numbers,
        "whatsapp_user_ids": user_ids,
        "site": site.hostname,
        "exported_at": timezone.now().isoformat(),
        "blocked": any(is_blocked(site, n, u) for n, u in citizen.identities),
        "opted_out": any(has_opted_out(site, n, u) for n, u in citizen.identities),
        "subscribers": [
            {
                "phone_number": s.phone_number,
                "whatsapp_user_id": s.wa_user_id,
                "profile_name": s.profile_name,
                "status": s.status,
                "source": s.source,
                "subscribed_at": _iso(s.subscribed_at),
                "unsubscribed_at": _iso(s.unsubscribed_at),
                "last_message_received_at": _iso(s.last_inbound_at),
                "stopped_marketing_messages": s.marketing_stopped,
                # What they chose to receive (none: everything); each change is in the consent log.
                "topics_and_places": [{"name": t.name, "kind": t.kind} for t in s.topics.order_by("sort_order", "pk")],
                "created_at": _iso(s.created_at),
            }
            for s in subscribers
        ],
        "subscription_requests": [
            {"asked_at": _iso(r.asked_at), "expires_at": _iso(r.expires_at)} for r in _requests(citizen)
        ],
        "consent_log": [
            {
                "action": r.action,
                "time": _iso(r.created_at),
                "phone_number": r.phone_number,
                "whatsapp_user_id": r.wa_user_id,
                "whatsapp_message_id": r.message_wamid,
                "text_received": r.message_text,
                "policy_revision": r.policy_revision_id,
                "privacy_notice_revision": r.privacy_revision_id,
                "note": r.note,
            }
            for r in consent.order_by("created_at", "pk")
        ],
        "messages": [
            {
                "whatsapp_message_id": m.wamid,
                "type": m.message_type,
                "text": m.text,
                "media_id": m.media_id,
                "sent_at": _iso(m.sent_at),
                "state": m.state,
                "flags": m.flags,
            }
            for m in messages.order_by("sent_at", "pk")
        ],
        "deliveries": [
            {
                "broadcast": d.broadcast.title,
                "status": d.status,
                "whatsapp_message_id": d.wamid,
                "sent_at": _iso(d.sent_at),
                "delivered_at": _iso(d.delivered_at),
                "read_at": _iso(d.read_at),
                "failed_at": _iso(d.failed_at),
                "error": d.error_reason,
            }
            for d in deliveries.order_by("created_at", "pk")
        ],
    }


@dataclass
class ErasureResult:
    subscribers: int
    messages: int
    consent_records: int
    deliveries: int
    status_updates: int
    audit_log_entries: int
    block_kept: bool
    opt_out_kept: bool

    def counts(self):
        """(what, how many), in the words the admin and the command print."""
        return [
            (_("Subscriber rows deleted"), self.subscribers),
            (_("Messages deleted"), self.messages),
            (_("Consent records anonymised"), self.consent_records),
            (_("Deliveries unlinked"), self.deliveries),
            (_("Status webhooks deleted"), self.status_updates),
            (_("Audit-log entries cleaned"), self.audit_log_entries),
        ]

    def summary(self):
        """Lines saying what was erased, and what is kept (hashes) and why."""
        lines = [_("Erased.")] + [f"{label}: {count}." for label, count in self.counts()]
        if self.block_kept:
            lines.append(_("The citizen stays blocked: only a keyed hash of the number and user ID is kept for that."))
        if self.opt_out_kept:
            lines.append(
                _("The citizen had left the service: a keyed hash is kept so that no import subscribes them again.")
            )
        return lines


def export_filename(number_or_user_id):
    return f"whatsapp-data-{number_or_user_id.lstrip('+')}.json"


def _keep_hashes(citizen, subscribers):
    """Blocks and opt-outs outlive the data: hashes of every number and user id the citizen is known by."""
    site = citizen.site
    identity = citizen.identities
    blocked = any(is_blocked(site, n, u) for n, u in identity)
    statuses = {s.status for s in subscribers}
    opted_out = Subscriber.Status.UNSUBSCRIBED in statuses or any(has_opted_out(site, n, u) for n, u in identity)
    for kept, keep in ((BlockedNumber, blocked), (OptedOutNumber, opted_out)):
        if keep:
            for number, user_id in identity:
                identities.remember(kept, site, number, user_id)
    return blocked, opted_out


def _unlink_deliveries(deliveries, pattern):
    """Deliveries keep their status (the broadcast's figures add up) but lose the citizen: the link, Meta's wamid (it
    encodes the number) and any mention in an error text. Returns the wamids they had."""
    wamids = set()
    for delivery in deliveries:
        if delivery.wamid:
            wamids.add(delivery.wamid)
        Delivery.objects.filter(pk=delivery.pk).update(
            subscriber=None, wamid="", error_reason=forgetting.scrub(delivery.error_reason, pattern)
        )
    return wamids


def erase_number(site, number_or_user_id, *, user=None):
    """Erase one citizen's personal data on one site (GDPR art. 17), by number or WhatsApp user id; keeps only
    hashes where a block or an opt-out must hold."""
    with transaction.atomic():
        citizen = find_citizen(site, number_or_user_id)
        pattern = forgetting.identity_pattern(citizen.numbers, citizen.user_ids)
        subscribers, consent, messages, deliveries = _records(citizen)
        blocked, opted_out = _keep_hashes(citizen, subscribers)
        consent_rows = list(consent)
        for record in consent_rows:
            record.phone_number = ""
            record.wa_user_id = ""
            record.message_text = ""
            record.message_wamid = ""
            record.subscriber = None
            record.note = forgetting.scrub(record.note, pattern)
            record.save(allow_anonymise=True)
        # A request waiting for its "SÌ" goes whole (its messages go with the citizen's below).
        _requests(citizen).delete()
        message_rows = list(messages.values_list("pk", "wamid"))
        # The welcomes and goodbyes owed or sent to them: a reply's wamid encodes the number too.
        Reply.objects.filter(
            Q(subscriber__in=subscribers) | Q(message__pk__in=[pk for pk, _wamid in message_rows])
        ).delete()
        messages.delete()
        delivery_rows = list(deliveries)
        wamids = {wamid for _pk, wamid in message_rows} | _unlink_deliveries(delivery_rows, pattern)
        # The raw webhook rows of the same citizen: statuses name the recipient (and Meta's error texts may), the
        # sandbox keeps its outbox. Their wamids encode the number, so the rows go rather than being blanked.
        statuses = StatusUpdate.objects.filter(Q(wamid__in=wamids) | Q(recipient_id__in=citizen.recipients))
        status_count, _by_model = statuses.delete()
        SandboxMessage.objects.filter(Q(recipient__in=citizen.recipients) | Q(wamid__in=wamids)).delete()
        forgetting.forget_log_entries(InboundMessage, [pk for pk, _wamid in message_rows])
        forgetting.forget_log_entries(Subscriber, [s.pk for s in subscribers])
        for subscriber in subscribers:
            log(
                subscriber,
                "wagtail_whatsapp.erase",
                user=user,
                title=forgetting.in_site_language(forgetting.ERASED),
                deleted=True,
                data={"block_kept": blocked, "opt_out_kept": opted_out},
            )
        Subscriber.objects.filter(pk__in=[s.pk for s in subscribers]).delete()
        log_count = forgetting.scrub_log_entries(pattern)
        notes = [ERASURE_NOTE]
        if blocked:
            notes.append(BLOCK_KEPT_NOTE)
        if opted_out:
            notes.append(OPT_OUT_KEPT_NOTE)
        note = " ".join(forgetting.in_site_language(text) for text in notes)
        ConsentRecord.objects.create(site=site, action=ConsentRecord.Action.ERASE, performed_by=user, note=note)
    return ErasureResult(
        subscribers=len(subscribers),
        messages=len(message_rows),
        consent_records=len(consent_rows),
        deliveries=len(delivery_rows),
        status_updates=status_count,
        audit_log_entries=log_count,
        block_kept=blocked,
        opt_out_kept=opted_out,
    )
