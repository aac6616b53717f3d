"""The plugin's admin as a town hall sees it after some weeks of service, and the words that give English away.

``populate`` fills the database with one of everything the plugin's admin pages show (subscribers of each status,
a broadcast with deliveries, inbox messages of several types, templates of each status and category, consent events
with the revisions they accepted, a sandbox conversation, an erasure in the history). ``walk_urls`` lists the admin
pages to visit, discovered from the URL resolver (tests/admin_sweep.py), so a new view is walked without touching
the tests. ``english_vocabulary`` is every word of the plugin's English messages that Italian does not use.
"""

import re
from datetime import timedelta
from pathlib import Path

import polib
from django.core.management import call_command
from django.utils import timezone

from tests.admin_sweep import plugin_admin_routes
from tests.broadcasting import news_page
from tests.pages_helpers import configure
from tests.whatsapp_data import make_broadcast, make_message, make_subscriber

PO = Path(__file__).resolve().parent.parent / "wagtail_whatsapp" / "locale" / "it" / "LC_MESSAGES" / "django.po"
PASSWORD = "walk-test-password"  # noqa: S105 (a throwaway test user)

# What a message carries besides words: placeholders, template tags, markup, URLs, WhatsApp's formatting codes.
_NOT_WORDS = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\{.*?\}\}|\{%.*?%\}|<[^>]+>|https?://\S+|\{\w*\}")
_WORD = re.compile(r"[^\W\d_]+")


def words(text):
    return {word.lower() for word in _WORD.findall(_NOT_WORDS.sub(" ", text)) if len(word) > 2}


def code_names():
    """The names an admin list turns into a label when nobody wrote one ("masked_number" → "Masked number"): the
    plugin's model fields and the methods of its list registrations."""
    import importlib
    import inspect
    import pkgutil

    from django.apps import apps

    from wagtail_whatsapp.admin import lists, menu

    names = {
        field.name for model in apps.get_app_config("wagtail_whatsapp").get_models() for field in model._meta.fields
    }
    list_modules = pkgutil.iter_modules(lists.__path__, f"{lists.__name__}.")
    for module in [menu, *(importlib.import_module(info.name) for info in list_modules)]:
        for _name, registration in inspect.getmembers(module, inspect.isclass):
            if registration.__module__ == module.__name__:
                names |= {
                    name for name, _ in inspect.getmembers(registration, inspect.isfunction) if not name.startswith("_")
                }
    return set().union(*(words(name.replace("_", " ")) for name in names))


def english_vocabulary(po_path=PO):
    """Words of the plugin's English messages (msgids) and of the names its lists would show as labels, that no Italian
    translation (msgstr) uses: "number", "read", "approved"... but not "WhatsApp", "template", "email" or "GDPR",
    which Italian writes the same. Derived from the catalogue and the code, so a new English message adds its words
    without a change here."""
    catalogue = polib.pofile(str(po_path))
    english, italian = code_names(), set()
    for entry in catalogue:
        english |= words(entry.msgid) | words(entry.msgid_plural or "")
        italian |= words(entry.msgstr)
        for form in entry.msgstr_plural.values():
            italian |= words(form)
    return english - italian


# What the test's data or Wagtail itself puts on the plugin's pages: Meta's message ids ("wamid.…"), and Wagtail's
# "[default]" after the default site's name (Wagtail's own catalogue, not the plugin's).
_NOT_THE_PLUGINS = re.compile(r"wamid\.\S+|\[default\]")


def english_words_in(text, vocabulary):
    """The English words of ``text``, each with the line it stands in (for a failure message that says where)."""
    found = {}
    for line in _NOT_THE_PLUGINS.sub(" ", text).splitlines():
        for word in words(line) & vocabulary:
            found.setdefault(word, line.strip()[:140])
    return found


def populate(site, django_user_model):
    """One of everything; returns the superuser (Italian admin) and the rows whose pages take an id."""
    from wagtail.users.models import UserProfile

    from wagtail_whatsapp.models import (
        Broadcast,
        ConsentRecord,
        Delivery,
        InboundMessage,
        MessageTemplate,
        Reply,
        SandboxMessage,
        Subscriber,
        WhatsAppSettings,
    )
    from wagtail_whatsapp.subscribers import gdpr

    configure(site)
    call_command("whatsapp_setup")  # the policy, privacy notice, subscribe and archive pages, with revisions
    admin = django_user_model.objects.create_superuser("segreteria", "segreteria@comune.esempio.it", PASSWORD)
    UserProfile.get_for_user(admin).__class__.objects.filter(user=admin).update(preferred_language="it")

    settings = WhatsAppSettings.for_site(site)
    policy = settings.policy_page.specific.get_latest_revision() if settings.policy_page else None
    privacy = settings.privacy_page.specific.get_latest_revision() if settings.privacy_page else None

    active = make_subscriber(site, "+393481234511", profile_name="Maria Bianchi")
    make_subscriber(site, "+393481234512", profile_name="Giuseppe Verdi")
    left = make_subscriber(site, "+393481234513", status=Subscriber.Status.UNSUBSCRIBED)
    make_subscriber(site, "+393481234514", status=Subscriber.Status.BLOCKED)
    erased = make_subscriber(site, "+393481234515")
    now = timezone.now()
    for action in ConsentRecord.Action:
        ConsentRecord.objects.create(
            site=site,
            subscriber=active if action != ConsentRecord.Action.ERASE else None,
            action=action,
            created_at=now - timedelta(days=2),
            phone_number=active.phone_number,
            wa_user_id=active.wa_user_id,
            message_wamid=f"wamid.consent.{action}",
            message_text="ISCRIVIMI",
            policy_revision=policy,
            privacy_revision=privacy,
        )

    news = news_page(site, title="Chiusura di via Roma per lavori")
    broadcast = make_broadcast(
        site,
        [active, left],
        [Delivery.Status.READ, Delivery.Status.FAILED],
    )
    Broadcast.objects.filter(pk=broadcast.pk).update(
        page=news,
        status=Broadcast.Status.DONE,
        title=news.title,
        sent_count=1,
        delivered_count=1,
        read_count=1,
        started_at=timezone.now(),  # the statistics page and the home panel's chart then have figures to show
    )
    Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.FAILED).update(error_code=131026)
    # Meta's pricing of the read one, as its status webhook gives it (the report's "billed by Meta" table).
    Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.READ).update(
        billable=True, billing_category="marketing"
    )

    message = make_message(site, "Buongiorno, a che ora apre l'anagrafe?", active.phone_number, subscriber=active)
    make_message(
        site,
        "",
        active.phone_number,
        subscriber=active,
        message_type="image",
        media_id="media.1",
        media_mime_type="image/jpeg",
    )
    make_message(site, "", active.phone_number, subscriber=active, message_type="audio", media_id="media.2")
    make_message(
        site,
        "Siete dei ladri, vergogna",
        "+393481234512",
        flagged=True,
        flags=[{"category": "offensive", "reason": "parola offensiva"}],
    )
    make_message(site, "Grazie", "+393481234512", state=InboundMessage.State.REVIEWED)
    Reply.objects.create(site=site, subscriber=active, kind=Reply.Kind.WELCOME, status=Reply.Status.SENT)
    Reply.objects.create(
        site=site, subscriber=left, kind=Reply.Kind.GOODBYE, status=Reply.Status.FAILED, error_code=131047
    )

    for number, (status, category) in enumerate(
        [
            ("APPROVED", "MARKETING"),
            ("APPROVED", "UTILITY"),
            ("PENDING", "UTILITY"),
            ("REJECTED", "MARKETING"),
            ("PAUSED", "MARKETING"),
            ("DISABLED", "AUTHENTICATION"),
            ("DELETED", "UTILITY"),
        ]
    ):
        MessageTemplate.objects.create(
            waba_id="102290129340398",
            name=f"notizia_{number}",
            language="it",
            category=category,
            status=status,
            components=[{"type": "BODY", "text": "{{1}}"}],
        )

    sandbox_number = "+393339876543"
    SandboxMessage.objects.create(
        direction=SandboxMessage.Direction.INCOMING,
        recipient=sandbox_number,
        wamid="wamid.sandbox.in",
        message_type="text",
        body={"text": {"body": "ISCRIVIMI"}},
        status="read",
    )
    for status in ("read", "delivered", "sent", ""):
        SandboxMessage.objects.create(
            recipient=sandbox_number,
            wamid=f"wamid.sandbox.out.{status}",
            message_type="text",
            body={"text": {"body": "Benvenuto nel servizio"}},
            status=status,
        )

    gdpr.erase_number(site, erased.phone_number, user=admin)  # the history then has an erasure
    return admin, {"site": site, "subscriber": active, "message": message, "broadcast": broadcast, "page": news}


def walk_urls(client, rows):
    """``(url, what to read)``: every admin page of the plugin that answers a GET with HTML, each with a row to show
    (its main content is read), plus the Wagtail pages where the plugin writes, of which only the plugin's part is
    read: the dashboard's panel, the page editor's WhatsApp panel, the site history's lines of the plugin's actions.
    The plugin's own URLs come from the resolver: a new view is walked without a change here."""
    from urllib.parse import urlencode

    from wagtail.log_actions import registry
    from wagtail.models import ModelLogEntry, PageLogEntry

    values = [str(row.pk) for row in rows.values()]
    urls = []
    for route in plugin_admin_routes():
        for url in route.urls(values):
            response = client.get(url)
            if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                urls.append(url)
                break
    # The filter offers only the actions the log holds (any other value and it filters nothing).
    plugin_actions = sorted(
        {action for model in (ModelLogEntry, PageLogEntry) for action in model.objects.values_list("action", flat=True)}
        & {action for action, _label in registry.get_choices() if action.startswith("wagtail_whatsapp.")}
    )
    history = "/admin/reports/site-history/?" + urlencode({"action": plugin_actions}, doseq=True)
    return [
        ("/admin/", "[data-whatsapp-panel]"),
        (history, "main table"),
        (f"/admin/pages/{rows['page'].pk}/edit/", "section[id$='-whatsapp-section']"),
        *((url, "main") for url in urls),
        ("/admin/whatsapp/sandbox/?" + urlencode({"number": "+393339876543"}), "main"),
    ]
