"""The site a command works on: its ``--site ID``, or else the default site; a clear CommandError otherwise."""

from django.core.management.base import CommandError
from wagtail.models import Site


def site_from_option(site_id):
    """The site with id ``site_id``, or the default site when it is None. The error lists the sites there are."""
    if site_id is not None:
        site = Site.objects.filter(pk=site_id).first()
        if site is None:
            raise CommandError(f"No site with ID {site_id}. Sites: {_site_list()}")
        return site
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        raise CommandError(f"No default site: pass --site ID. Sites: {_site_list()}")
    return site


def _site_list():
    return ", ".join(f"{site.pk} ({site})" for site in Site.objects.order_by("pk")) or "none"
