"""A template's parameters checked against its synced components, as Meta checks them at send time.

Meta refuses a template message whose parameters do not match the approved template (132000: wrong number of
parameters; 132012: wrong format, e.g. a missing header image; 132005: too long) — for every citizen alike. So the
plan, the test send and the sender check first, and refuse the broadcast with the reason instead.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wagtail_whatsapp.outbound.folding import (
    BODY_LIMIT,
    HEADER_TEXT_LIMIT,
    URL_SUFFIX_LIMIT,
    is_valid_parameter,
)
from wagtail_whatsapp.outbound.template_mapping import PLACEHOLDER

MEDIA_HEADERS = ("IMAGE", "VIDEO", "DOCUMENT")


def _components(template, kind):
    return [c for c in template.components or [] if isinstance(c, dict) and str(c.get("type", "")).upper() == kind]


def rendered_body(template, spec):
    """The template's body text filled with the spec's values (what Meta measures against the 1,024 limit)."""
    values = {str(item.get("name")): str(item.get("text", "")) for item in spec.get("body") or []}
    body = next(iter(_components(template, "BODY")), {})
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body.get("text", ""))


def problems(template, spec, media=None):
    """What Meta would refuse in sending ``template`` with ``spec`` (and the broadcast's ``media``), for the editor."""
    found = []
    name = {"name": template.name}
    header = next(iter(_components(template, "HEADER")), None)
    header_format = str(header.get("format", "")).upper() if header else ""
    if header_format in MEDIA_HEADERS:
        wanted = header_format.lower()
        if spec.get("header") != wanted or (media or {}).get("type") != wanted:
            found.append(_describe_missing_media(wanted, template.name))
    elif spec.get("header"):
        found.append(_("The template “%(name)s” has no media header, but the message puts one in it.") % name)
    header_parameters = PLACEHOLDER.findall(header.get("text", "")) if header_format == "TEXT" else []
    header_text = spec.get("header_text")
    if header_parameters and not header_text:
        found.append(_("The title of the template “%(name)s” needs a value the page does not give.") % name)
    elif header_text and not header_parameters:
        found.append(_("The title of the template “%(name)s” takes no value, but the message gives one.") % name)
    elif header_text and len(PLACEHOLDER.sub(header_text, header.get("text", ""))) > HEADER_TEXT_LIMIT:
        found.append(_("The title of the template “%(name)s” would be longer than 60 characters.") % name)

    expected = list(dict.fromkeys(PLACEHOLDER.findall(next(iter(_components(template, "BODY")), {}).get("text", ""))))
    given = [str(item.get("name")) for item in spec.get("body") or []]
    if len(given) != len(expected) or (spec.get("named") and set(given) != set(expected)):
        message = ngettext(
            "The template “%(name)s” expects %(expected)s value in its text; the message gives %(given)s.",
            "The template “%(name)s” expects %(expected)s values in its text; the message gives %(given)s.",
            len(expected),
        )
        found.append(message % {**name, "expected": len(expected), "given": len(given)})
    for item in spec.get("body") or []:
        text = str(item.get("text", ""))
        if not text.strip():
            message = _("The template parameter {{%(name)s}} has no value from the page.")
            found.append(message % {"name": item.get("name")})
        elif not is_valid_parameter(text):
            message = _("The template parameter {{%(name)s}} holds a line break, a tab or too many spaces.")
            found.append(message % {"name": item.get("name")})
    if len(rendered_body(template, spec)) > BODY_LIMIT:
        found.append(_("The text of the template “%(name)s” would be longer than 1,024 characters.") % name)

    buttons = [button for c in _components(template, "BUTTONS") for button in c.get("buttons") or []]
    wanted_suffixes = {
        str(index)
        for index, button in enumerate(buttons)
        if str(button.get("type", "")).upper() == "URL" and PLACEHOLDER.search(button.get("url", ""))
    }
    given_suffixes = {str(item.get("index")): str(item.get("text", "")) for item in spec.get("buttons") or []}
    if set(given_suffixes) != wanted_suffixes:
        found.append(_("The link buttons of the template “%(name)s” do not match the message.") % name)
    elif any(not suffix or len(suffix) > URL_SUFFIX_LIMIT for suffix in given_suffixes.values()):
        found.append(_("The link button of the template “%(name)s” has no valid page address.") % name)
    return found


def broadcast_problems(broadcast):
    """``problems`` for a started broadcast: its snapshot against its template as synced now (Meta may have changed
    it since the broadcast started). Empty for a broadcast without a template."""
    spec = (broadcast.template_parameters or {}).get("spec")
    if broadcast.template is None or spec is None:
        return []
    return problems(broadcast.template, spec, broadcast.media or {})


def _describe_missing_media(wanted, name):
    if wanted == "image":
        return _("The template “%(name)s” needs an image, and none goes with this message.") % {"name": name}
    if wanted == "video":
        return _("The template “%(name)s” needs a video, and none goes with this message.") % {"name": name}
    return _("The template “%(name)s” needs a PDF document, and none goes with this message.") % {"name": name}
