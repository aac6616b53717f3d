"""Message templates of the WhatsApp Business Account, kept in step with Meta.

Two roads: ``sync_templates`` reads the whole list from the Graph API (command ``whatsapp_sync_templates`` and an
hourly Huey task), and ``apply_template_webhook`` applies Meta's webhooks (status, category and quality updates) as
they arrive. Templates that disappear from Meta are marked DELETED rather than removed, so the broadcasts that used
them keep naming them.
"""

import logging
from dataclasses import dataclass

from django.db import transaction

from wagtail_whatsapp import conf
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.models import Broadcast, MessageTemplate
from wagtail_whatsapp.outbound import costs
from wagtail_whatsapp.outbound.broadcasts import pause_broadcast

logger = logging.getLogger(__name__)

STATUS_FIELD = "message_template_status_update"
CATEGORY_FIELD = "template_category_update"
QUALITY_FIELD = "message_template_quality_update"
TEMPLATE_FIELDS = (STATUS_FIELD, CATEGORY_FIELD, QUALITY_FIELD)

# Webhook events that are not a status of their own.
EVENT_STATUSES = {"REINSTATED": MessageTemplate.Status.APPROVED, "PENDING_DELETION": MessageTemplate.Status.DELETED}
EVENTS_KEEPING_STATUS = {"FLAGGED"}  # quality warning: still sendable until Meta pauses or disables it


@dataclass(frozen=True)
class SyncResult:
    waba_id: str
    created: int = 0
    updated: int = 0
    deleted: int = 0


def sync_templates(backend=None, waba_id=None):
    """Store every template of ``waba_id`` (default: the WABA_ID setting); raises WhatsAppError on API failure."""
    backend = backend or get_backend()
    waba_id = waba_id or conf.get("WABA_ID")
    templates = backend.list_templates(waba_id)  # every page, before anything is written
    created = updated = 0
    with transaction.atomic():
        kept = []
        for info in templates:
            if not info.name or not info.language:
                continue
            template, was_created = MessageTemplate.objects.update_or_create(
                waba_id=waba_id,
                name=info.name,
                language=info.language,
                defaults={
                    "template_id": info.template_id,
                    "category": info.category,
                    "status": info.status,
                    "parameter_format": info.parameter_format,
                    "components": info.components,
                },
            )
            kept.append(template.pk)
            created, updated = created + was_created, updated + (not was_created)
        gone = MessageTemplate.objects.filter(waba_id=waba_id).exclude(pk__in=kept)
        deleted = gone.exclude(status=MessageTemplate.Status.DELETED).update(
            status=MessageTemplate.Status.DELETED, status_reason="Not listed by Meta any more"
        )
    logger.info("Templates of WABA %s synced: %s new, %s updated, %s deleted", waba_id, created, updated, deleted)
    return SyncResult(waba_id=waba_id, created=created, updated=updated, deleted=deleted)


def apply_template_webhook(field=None, value=None, sender=None, site=None, waba_id=None, **kwargs):
    """Receiver of ``signals.change_received``: applies template status, category and quality updates.

    Returns the number of stored templates changed (0 for other fields and for templates not synced yet: the next
    sync brings those in with their components).
    """
    if field not in TEMPLATE_FIELDS or not isinstance(value, dict):
        return 0
    templates = _matching_templates(value, waba_id)
    changes = {}
    if field == STATUS_FIELD:
        event = str(value.get("event") or "").upper()
        if event and event not in EVENTS_KEEPING_STATUS:
            changes["status"] = EVENT_STATUSES.get(event, event)
        changes["status_reason"] = _reason(value, event)
    elif field == CATEGORY_FIELD:
        category = value.get("new_category") or value.get("correct_category")
        if category:
            return _apply_category(templates, str(category).upper()[:32])
    elif field == QUALITY_FIELD:
        score = value.get("new_quality_score")
        if score:
            changes["quality_score"] = str(score).upper()
    if not changes:
        return 0
    count = 0
    for template in templates:
        for name, new in changes.items():
            setattr(template, name, new[: MessageTemplate._meta.get_field(name).max_length])
        template.save(update_fields=[*changes, "synced_at"])
        count += 1
    if not count:
        logger.info("Webhook %s for a template not synced yet: %s", field, value.get("message_template_name"))
    return count


def _apply_category(templates, category):
    """Meta moved templates to ``category``. A dearer one waits for an editor to accept the price: new broadcasts
    that would use it are refused until then, and the running ones pause (an editor resumes them)."""
    changed = 0
    for template in templates:
        old = template.category
        if old == category:
            continue  # Meta's retry of an update already applied: nothing to pause again
        changed += 1
        template.category = category
        fields = ["category", "synced_at"]
        if template.category_change_pending:
            # Moved again before anyone accepted: compare with the category the town last accepted.
            template.category_change_pending = costs.is_dearer(template.previous_category, category)
            fields.append("category_change_pending")
        elif old and costs.is_dearer(old, category):
            template.category_change_pending, template.previous_category = True, old
            fields += ["category_change_pending", "previous_category"]
        template.save(update_fields=fields)
        if template.category_change_pending:
            _pause_broadcasts_using(template)
    if not templates:
        logger.info("Category update for a template not synced yet: the next sync brings it in")
    return changed


def _pause_broadcasts_using(template):
    reason = costs.category_change_problem(template)
    running = Broadcast.objects.filter(
        template=template, status__in=[Broadcast.Status.QUEUED, Broadcast.Status.SENDING]
    )
    for broadcast in running:
        if pause_broadcast(broadcast, reason=reason):
            logger.warning("Broadcast %s paused: template %s moved to %s", broadcast.pk, template, template.category)


def accept_category_change(template):
    """An editor accepted the template's new category and price: broadcasts may use it again. True when it waited."""
    return bool(
        MessageTemplate.objects.filter(pk=template.pk, category_change_pending=True).update(
            category_change_pending=False
        )
    )


def _matching_templates(value, waba_id):
    templates = MessageTemplate.objects.all()
    if waba_id:
        templates = templates.filter(waba_id=waba_id)
    template_id = value.get("message_template_id")
    if template_id:
        by_id = list(templates.filter(template_id=str(template_id)))
        if by_id:
            return by_id
    name, language = value.get("message_template_name"), value.get("message_template_language")
    if name and language:
        return list(templates.filter(name=name, language=language))
    return []


def _reason(value, event):
    reason = str(value.get("reason") or "")
    other = value.get("other_info") if isinstance(value.get("other_info"), dict) else {}
    details = str(other.get("description") or other.get("title") or "")
    parts = [part for part in (reason if reason.upper() != "NONE" else "", details) if part]
    if event == "FLAGGED":
        parts.insert(0, "Flagged for low quality")
    return "; ".join(parts)
