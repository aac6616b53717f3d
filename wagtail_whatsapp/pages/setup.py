"""Create a site's policy, privacy, subscribe and archive pages when missing, and point its settings at them.

Idempotent by construction: a page type that already has a page under the site's root is left alone (no new page,
no new revision, no rewritten text), and the settings are saved only when they point elsewhere.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from wagtail_whatsapp.models import (
    WhatsAppArchivePage,
    WhatsAppPolicyPage,
    WhatsAppPrivacyPage,
    WhatsAppSettings,
    WhatsAppSubscribePage,
)
from wagtail_whatsapp.pages import default_texts

FIRST_VERSION = "1.0"


@dataclass
class SetupResult:
    site: object
    pages: dict = field(default_factory=dict)  # kind → page
    created: list = field(default_factory=list)  # kinds created by this run
    settings_changed: bool = False


def free_slug(parent, slug):
    """``slug``, or ``slug-2``, ``slug-3`` ... when a sibling already uses it (e.g. a town's own "whatsapp" page)."""
    taken = set(parent.get_children().values_list("slug", flat=True))
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate


def find_page(model, root, pointed_at=None):
    """The page the settings point at if it is of this type, else the first one of this type under the root."""
    if pointed_at is not None and isinstance(pointed_at.specific, model):
        return pointed_at.specific
    return model.objects.descendant_of(root, inclusive=False).order_by("path").first()


def create_page(root, model, texts, **extra):
    fields = {name: value for name, value in texts.items() if name != "slug"}
    page = model(slug=free_slug(root, slugify(texts["slug"])), **fields, **extra)
    root.add_child(instance=page)
    page.save_revision().publish()
    return page


@transaction.atomic
def ensure_pages(site, with_archive=True):
    settings = WhatsAppSettings.for_site(site)
    root = site.root_page
    result = SetupResult(site=site)
    today = timezone.localdate()
    document = {"version_label": FIRST_VERSION, "effective_date": today}
    kinds = [
        ("policy", WhatsAppPolicyPage, default_texts.policy_page, document, settings.policy_page),
        ("privacy", WhatsAppPrivacyPage, default_texts.privacy_page, document, settings.privacy_page),
        ("subscribe", WhatsAppSubscribePage, default_texts.subscribe_page, {}, None),
    ]
    if with_archive:
        kinds.append(("archive", WhatsAppArchivePage, default_texts.archive_page, {}, None))

    for kind, model, texts, extra, pointed_at in kinds:
        page = find_page(model, root, pointed_at)
        if page is None:
            page = create_page(root, model, texts(settings), **extra)
            result.created.append(kind)
        result.pages[kind] = page

    for name in ("policy", "privacy"):
        page = result.pages[name]
        if getattr(settings, f"{name}_page_id") != page.pk:
            setattr(settings, f"{name}_page", page)
            result.settings_changed = True
    if result.settings_changed:
        settings.save()
    return result
