"""``{% whatsapp_service_links %}``: links to the site's WhatsApp pages (how to subscribe, the archive, the policy and
the privacy notice) for a site's menu or footer, so that a citizen finds them from any page."""

from django import template
from wagtail.models import Site

from wagtail_whatsapp.models import WhatsAppArchivePage, WhatsAppSettings, WhatsAppSubscribePage

register = template.Library()


def _first_live(model, root):
    return model.objects.live().descendant_of(root, inclusive=False).order_by("path").first()


@register.inclusion_tag("wagtail_whatsapp/pages/includes/service_links.html", takes_context=True)
def whatsapp_service_links(context):
    """The site's live WhatsApp pages, in the order a citizen needs them; none when the site has none."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return {"links": []}
    settings = WhatsAppSettings.for_site(site)
    pages = [
        _first_live(WhatsAppSubscribePage, site.root_page),
        _first_live(WhatsAppArchivePage, site.root_page),
        settings.policy_page,
        settings.privacy_page,
    ]
    current = getattr(context.get("page"), "pk", None)
    links = [(page.specific, page.pk == current) for page in pages if page is not None and page.live]
    return {"links": links, "request": request}
