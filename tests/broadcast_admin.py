"""Helpers for the tests of the editor's side of broadcasts: pages, users with just the right permissions,
subscribers, an approved template chosen for the site."""

from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import GroupPagePermission

PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def make_news_page(site, title="Chiusura di via Roma", live=True, **fields):
    from town.models import NewsIndexPage, NewsPage

    home = site.root_page
    index = NewsIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=NewsIndexPage(title="Notizie", slug="notizie"))
    page = NewsPage(title=title, intro="Lavori in corso da lunedì.", live=live, **fields)
    index.add_child(instance=page)
    revision = page.save_revision()
    if live:
        revision.publish()
    page.refresh_from_db()
    return page


def make_user(django_user_model, site, username, plugin_permissions=()):
    """An editor who can edit and publish pages under the home page, plus the given plugin permissions."""
    user = django_user_model.objects.create_user(username=username, password="pw", email=f"{username}@example.com")
    group = Group.objects.create(name=f"{username}-group")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in plugin_permissions:
        group.permissions.add(Permission.objects.get(content_type__app_label="wagtail_whatsapp", codename=codename))
    for codename in PAGE_PERMISSIONS:
        GroupPagePermission.objects.create(
            group=group,
            page=site.root_page,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    user.groups.add(group)
    return user


def make_subscribers(site, outside_window=3, inside_window=2, start=3481000000):
    """Active subscribers: some who never wrote lately (template) and some who wrote within 24 hours (free-form)."""
    from wagtail_whatsapp.models import Subscriber

    now = timezone.now()
    subscribers = []
    for index in range(outside_window + inside_window):
        recent = index >= outside_window
        subscribers.append(
            Subscriber.objects.create(
                site=site,
                phone_number=f"+39{start + index}",
                subscribed_at=now - timedelta(days=10),
                last_inbound_at=now - timedelta(hours=1 if recent else 72),
            )
        )
    return subscribers


TEMPLATE_COMPONENTS = [
    {"type": "BODY", "text": "Novità dal Comune: *{{1}}*\n{{2}}"},
    {"type": "FOOTER", "text": "Scrivi CANCELLAMI per non ricevere più messaggi"},
    {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Leggi", "url": "http://testserver/{{1}}"}]},
]


def approved_template(site=None, name="notizia_comune", category="MARKETING", **fields):
    from wagtail_whatsapp.models import MessageTemplate, WhatsAppSettings

    template = MessageTemplate.objects.create(
        waba_id="102290129340398",
        name=name,
        language="it",
        category=category,
        status="APPROVED",
        components=TEMPLATE_COMPONENTS,
        **fields,
    )
    if site is not None:  # chosen in the site's template family (Settings → WhatsApp), as its text template
        settings = WhatsAppSettings.for_site(site)
        settings.text_template = template
        settings.save()
    return template
