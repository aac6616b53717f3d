"""The site's template family: which approved template carries a page to citizens outside the 24-hour window.

One template per kind of message — text only, image header, video header, document header, event — chosen in
Settings → WhatsApp, or, where a kind is blank, picked among the approved synced templates of the site's account in
its language (else the nearest language). ``pick`` then matches a page to its template: a page is never refused for
a template's header; when no template of the page's media kind exists the page goes with the event or text template
and the editor is told that the media reaches only citizens inside the window.
"""

from dataclasses import dataclass

from django.conf import settings as django_settings
from django.utils.translation import gettext as _

from wagtail_whatsapp import conf
from wagtail_whatsapp.models import MessageTemplate, WhatsAppSettings
from wagtail_whatsapp.outbound.template_mapping import TemplateMappingError, parse_mapping, template_sources

KINDS = ("text", "image", "video", "document", "event")
MEDIA_KINDS = ("image", "video", "document")
# A body carrying any of these fields is an event template: it says when and where.
EVENT_SOURCES = {"time", "place"}
# Buttons a broadcast can fill (or that need nothing); a template with another kind (OTP, catalogue...) is not ours.
USABLE_BUTTONS = {"URL", "QUICK_REPLY", "PHONE_NUMBER"}


@dataclass(frozen=True)
class FamilyMember:
    kind: str
    template: MessageTemplate
    chosen: bool  # True: chosen in Settings → WhatsApp; False: picked by the plugin


@dataclass(frozen=True)
class Pick:
    """The template for one page, and what the editor must know about it."""

    member: FamilyMember | None
    wanted_kind: str
    warnings: tuple = ()

    @property
    def template(self):
        return self.member.template if self.member else None


def header_format(template):
    """``"IMAGE"``, ``"VIDEO"``, ``"DOCUMENT"``, ``"TEXT"`` or ``""`` (no header)."""
    for component in template.components or []:
        if isinstance(component, dict) and str(component.get("type", "")).upper() == "HEADER":
            return str(component.get("format", "")).upper()
    return ""


def template_kind(template, mapping=None):
    """The kind of message a template is made for, read from its header and body."""
    media = header_format(template).lower()
    if media in MEDIA_KINDS:
        return media
    sources = {source for _name, source in template_sources(template, mapping)}
    return "event" if sources & EVENT_SOURCES else "text"


def fillable(template, mapping=None):
    """True when every parameter of the template has a page field and its buttons are ones a broadcast can fill."""
    if any(source is None for _name, source in template_sources(template, mapping)):
        return False
    buttons = [
        button
        for component in template.components or []
        if isinstance(component, dict) and str(component.get("type", "")).upper() == "BUTTONS"
        for button in component.get("buttons") or []
    ]
    if any(str(button.get("type", "")).upper() not in USABLE_BUTTONS for button in buttons):
        return False
    return str(template.category or "").upper() != "AUTHENTICATION"


def site_language(site):
    locale = getattr(site.root_page, "locale", None)
    return getattr(locale, "language_code", "") or django_settings.LANGUAGE_CODE


def _language_rank(template_language, wanted):
    """0 for the site's language (it = it), 1 for the same primary language (en_US ~ en-gb), 2 for another: the
    account's templates are the town's own, so one in another language is better than none."""
    have, want = template_language.lower().replace("_", "-"), wanted.lower().replace("_", "-")
    if have == want:
        return 0
    return 1 if have.split("-")[0] == want.split("-")[0] else 2


def site_mapping(site_settings):
    """``{template parameter: page field}`` from the site settings; checked when saved, so errors mean none."""
    try:
        return parse_mapping(site_settings.template_parameter_mapping)
    except TemplateMappingError:
        return {}


def family(site, site_settings=None, urgent=False):
    """``{kind: FamilyMember or None}`` for every kind: the chosen template, else the one the plugin picks.

    For an ``urgent`` broadcast (a civil-protection alert, outbound/urgent.py) an approved UTILITY template of the
    kind comes first when Meta approved one: the family's usual one is often MARKETING, and an alert is the utility
    message Meta's categories are made for. Without one, the usual member carries the alert."""
    site_settings = site_settings or WhatsAppSettings.for_site(site)
    mapping = site_mapping(site_settings)
    chosen = site_settings.chosen_templates()
    approved = MessageTemplate.objects.filter(status=MessageTemplate.Status.APPROVED)
    waba_id = site_settings.waba_id or conf.get("WABA_ID")
    if waba_id:
        approved = approved.filter(waba_id=waba_id)
    language = site_language(site)
    candidates = sorted(
        (template for template in approved if fillable(template, mapping)),
        key=lambda template: (_language_rank(template.language, language), template.name, template.pk),
    )
    members = {}
    for kind in KINDS:
        template = chosen.get(kind)
        if urgent and not _is_utility(template):
            utility = next((t for t in candidates if _is_utility(t) and template_kind(t, mapping) == kind), None)
            if utility is not None:
                members[kind] = FamilyMember(kind, utility, chosen=False)
                continue
        if template is not None and template.is_approved:
            members[kind] = FamilyMember(kind, template, chosen=True)
            continue
        picked = next((t for t in candidates if template_kind(t, mapping) == kind), None)
        members[kind] = FamilyMember(kind, picked, chosen=False) if picked else None
    return members


def _is_utility(template):
    return template is not None and template.is_approved and template.category == MessageTemplate.Category.UTILITY


def pick(members, media_type="", is_event=False):
    """The family member for a page whose media going out is ``media_type`` ("" for none), and the warnings."""
    wanted = media_type or ("event" if is_event else "text")
    order = [wanted, *(["event"] if is_event and wanted != "event" else []), "text"]
    member = next((members.get(kind) for kind in order if members.get(kind)), None)
    warnings = []
    if media_type and member is not None and member.kind != media_type:
        warnings.append(
            _(
                "No approved template with a %(media)s header: citizens who have not written in the last 24 hours "
                "receive the text without the %(media)s (template “%(name)s”); the others receive the %(media)s too."
            )
            % {"media": _media_name(media_type), "name": member.template.name}
        )
    return Pick(member=member, wanted_kind=wanted, warnings=tuple(warnings))


def _media_name(media_type):
    return {"image": _("image"), "video": _("video"), "document": _("document")}[media_type]
