"""The public pages of the service: the policy, the privacy notice, how to join, and the archive of broadcasts.

Each page type is an abstract ``models.Model`` mixin plus a concrete page, so a site with its own base page class can
write ``class MyPolicyPage(WhatsAppPolicyPageMixin, MyBasePage)`` and keep the plugin's fields and templates.
The number and the keywords are not stored on the pages: they are read from the site's ``WhatsAppSettings`` at render
time, so changing the number in the settings updates every page at once.
"""

from django.core.paginator import Paginator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from wagtail_whatsapp.models.broadcasts import Broadcast
from wagtail_whatsapp.models.settings import WhatsAppSettings
from wagtail_whatsapp.pages import join_links
from wagtail_whatsapp.pages.feeds import BroadcastArchiveFeed

# Headings start at h2: the page title is the only h1, so the outline stays in order (WCAG 1.3.1).
RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "hr"]


class WhatsAppPublicPageMixin:
    """What the four page types share: their template, and the site's WhatsApp settings in the context.

    Wagtail gives every concrete page class a default ``template`` named after the class, which would hide one set on
    an abstract mixin: the mixins name theirs in ``whatsapp_template`` instead (a site may change it).
    """

    whatsapp_template = None

    def get_template(self, request, *args, **kwargs):
        return self.whatsapp_template or super().get_template(request, *args, **kwargs)

    def get_whatsapp_settings(self):
        """The settings of the page's own site (not the request's): the number and links belong to that town."""
        site = self.get_site()
        return WhatsAppSettings.for_site(site) if site else None

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["whatsapp_settings"] = self.get_whatsapp_settings()
        return context


class WhatsAppDocumentPageMixin(WhatsAppPublicPageMixin, models.Model):
    """A versioned text citizens accept by subscribing: a summary at the top, the full text, a version and a date."""

    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("A few plain sentences shown at the top of the page, before the full text."),
    )
    version_label = models.CharField(
        _("version"),
        max_length=50,
        blank=True,
        help_text=_("Shown to citizens, e.g. “1.0” or “2026-1”. Change it when you change the substance of the text."),
    )
    effective_date = models.DateField(_("in force from"), null=True, blank=True)
    body = RichTextField(_("full text"), features=RICH_TEXT_FEATURES, blank=True)

    document_panels = [
        FieldPanel("summary"),
        FieldPanel("version_label"),
        FieldPanel("effective_date"),
        FieldPanel("body"),
    ]

    class Meta:
        abstract = True


class WhatsAppPolicyPageMixin(WhatsAppDocumentPageMixin):
    """The service policy: what is sent and why, one-way, joining and leaving, moderation and sanctions."""

    whatsapp_template = "wagtail_whatsapp/pages/policy_page.html"

    class Meta:
        abstract = True


class WhatsAppPrivacyPageMixin(WhatsAppDocumentPageMixin):
    """The privacy notice (GDPR art. 13) of the service."""

    whatsapp_template = "wagtail_whatsapp/pages/privacy_page.html"

    class Meta:
        abstract = True


class WhatsAppSubscribePageMixin(WhatsAppPublicPageMixin, models.Model):
    """How to join: the number (text and ``tel:``), a wa.me link with the keyword prefilled, its QR code, how to
    leave, and the links to the policy and the privacy notice before the join button."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    body = RichTextField(
        _("more information"),
        features=RICH_TEXT_FEATURES,
        blank=True,
        help_text=_("Shown after the instructions, e.g. the topics the town writes about."),
    )

    whatsapp_template = "wagtail_whatsapp/pages/subscribe_page.html"
    subscribe_panels = [FieldPanel("intro"), FieldPanel("body")]

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        settings = context["whatsapp_settings"]
        context["join"] = join_links.for_settings(settings) if settings else None
        return context


class WhatsAppArchivePageMixin(WhatsAppPublicPageMixin, RoutablePageMixin, models.Model):
    """What the site broadcast, newest first, paginated, with an RSS feed at ``<page url>rss/``: for citizens
        without WhatsApp. Lists broadcasts that went out (status “done” or “sending”) for the page's own site, each page
    once (its latest sending)."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    per_page = models.PositiveSmallIntegerField(_("broadcasts per page"), default=20)

    whatsapp_template = "wagtail_whatsapp/pages/archive_page.html"
    archive_panels = [FieldPanel("intro"), FieldPanel("per_page")]
    archived_statuses = (Broadcast.Status.DONE, Broadcast.Status.SENDING)

    class Meta:
        abstract = True

    def get_broadcasts(self):
        """Newest first, each page once: its latest sending (a page sent again is the same news, corrected)."""
        sent = Broadcast.objects.filter(site=self.get_site(), status__in=self.archived_statuses)
        # A page's broadcast is hidden when the same page went out again later. A broadcast whose page was deleted
        # (page NULL, never equal to another NULL) always stays.
        sent_again = sent.filter(page=OuterRef("page")).filter(
            Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
        )
        return sent.exclude(Exists(sent_again)).order_by("-created_at", "-pk")

    def feed_url(self, request=None):
        return self.get_url(request) + self.reverse_subpage("feed")

    @path("")
    def archive(self, request):
        paginator = Paginator(self.get_broadcasts(), max(1, self.per_page or 20))
        # get_page() turns a missing, non-numeric or out-of-range ?page= into a valid page instead of a 404/500.
        broadcasts = paginator.get_page(request.GET.get("page"))
        return self.render(request, context_overrides={"broadcasts": broadcasts, "feed_url": self.feed_url(request)})

    @path("rss/", name="feed")
    def feed(self, request):
        return BroadcastArchiveFeed(self)(request)


class WhatsAppPolicyPage(WhatsAppPolicyPageMixin, Page):  # noqa: DJ008 (Page.__str__ gives the title)
    content_panels = Page.content_panels + WhatsAppDocumentPageMixin.document_panels
    subpage_types = []

    class Meta:
        verbose_name = _("WhatsApp service policy")
        verbose_name_plural = _("WhatsApp service policies")


class WhatsAppPrivacyPage(WhatsAppPrivacyPageMixin, Page):  # noqa: DJ008 (Page.__str__ gives the title)
    content_panels = Page.content_panels + WhatsAppDocumentPageMixin.document_panels
    subpage_types = []

    class Meta:
        verbose_name = _("WhatsApp privacy notice")
        verbose_name_plural = _("WhatsApp privacy notices")


class WhatsAppSubscribePage(WhatsAppSubscribePageMixin, Page):  # noqa: DJ008 (Page.__str__ gives the title)
    content_panels = Page.content_panels + WhatsAppSubscribePageMixin.subscribe_panels
    subpage_types = []

    class Meta:
        verbose_name = _("WhatsApp subscription page")
        verbose_name_plural = _("WhatsApp subscription pages")


class WhatsAppArchivePage(WhatsAppArchivePageMixin, Page):  # noqa: DJ008 (Page.__str__ gives the title)
    content_panels = Page.content_panels + WhatsAppArchivePageMixin.archive_panels
    subpage_types = []

    class Meta:
        verbose_name = _("WhatsApp archive")
        verbose_name_plural = _("WhatsApp archives")
