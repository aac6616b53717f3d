"""The RSS feed of a WhatsApp archive page: what the town broadcast, for citizens who do not use WhatsApp."""

from django.contrib.syndication.views import Feed
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.formatting import whatsapp_to_html


class BroadcastArchiveFeed(Feed):
    """Built per archive page (``BroadcastArchiveFeed(page)(request)``): the page's site, title and broadcasts."""

    def __init__(self, archive_page, limit=50):
        super().__init__()
        self.archive_page = archive_page
        self.limit = limit

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return self.archive_page

    def title(self, page):
        return page.title

    def link(self, page):
        return page.get_url(self.request)

    def description(self, page):
        site_name = page.get_site().site_name or page.title
        return _("Messages sent on the WhatsApp service of %(site)s.") % {"site": site_name}

    def items(self, page):
        return page.get_broadcasts()[: self.limit]

    def item_title(self, broadcast):
        return broadcast.title

    def item_description(self, broadcast):
        # RSS descriptions are HTML: WhatsApp's *bold* and _italic_ become <strong> and <em>, links become links.
        return whatsapp_to_html(broadcast.message)

    def item_link(self, broadcast):
        # A broadcast of a deleted page keeps its URL; one without any URL points at the archive itself.
        return broadcast.url or self.archive_page.get_url(self.request)

    def item_guid(self, broadcast):
        return f"{self.archive_page.full_url}#broadcast-{broadcast.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, broadcast):
        return broadcast.created_at
