"""How page fields fill the parameters of the broadcast template (Settings → WhatsApp → template parameters).

The mapping is plain text an editor can read, one line per parameter: ``1 = title`` (positional templates) or
``headline = title`` (named parameters). ``parse_mapping`` turns it into a dict and ``validate_mapping`` checks it
against the template's body, so a wrong mapping is a form error instead of a failed broadcast.
"""

import re

from django.utils.translation import gettext as _

# The page values a broadcast can put into a template parameter (the broadcast code resolves them).
PAGE_SOURCES = ("title", "summary", "url", "date", "site_name")
PLACEHOLDER = re.compile(r"{{\s*([A-Za-z0-9_]+)\s*}}")
KEY = re.compile(r"^[A-Za-z0-9_]+$")


class TemplateMappingError(ValueError):
    pass


def parse_mapping(text):
    """``"1 = title\\n2 = url"`` → ``{"1": "title", "2": "url"}``; raises TemplateMappingError on a bad line."""
    mapping = {}
    for line_number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, sep, source = (part.strip() for part in line.partition("="))
        key = key.strip("{} ")
        if not sep or not KEY.match(key) or not source:
            raise TemplateMappingError(_("Line %(line)s: write “parameter = page field”.") % {"line": line_number})
        if source not in PAGE_SOURCES:
            raise TemplateMappingError(
                _("Line %(line)s: “%(source)s” is not a page field; use one of: %(sources)s.")
                % {"line": line_number, "source": source, "sources": ", ".join(PAGE_SOURCES)}
            )
        if key in mapping:
            raise TemplateMappingError(
                _("Line %(line)s: parameter %(key)s is given twice.") % {"line": line_number, "key": key}
            )
        mapping[key] = source
    return mapping


def template_parameters(template):
    """The parameter names of a template's body, in order of appearance (``["1", "2"]`` or ``["headline"]``)."""
    names = []
    for component in template.components or []:
        if isinstance(component, dict) and str(component.get("type", "")).upper() == "BODY":
            for name in PLACEHOLDER.findall(component.get("text", "")):
                if name not in names:
                    names.append(name)
    return names


def validate_mapping(mapping, template):
    expected = template_parameters(template)
    missing = [name for name in expected if name not in mapping]
    unknown = [name for name in mapping if name not in expected]
    if missing:
        raise TemplateMappingError(_("Parameters without a page field: %(names)s.") % {"names": ", ".join(missing)})
    if unknown:
        raise TemplateMappingError(_("The template has no parameter %(names)s.") % {"names": ", ".join(unknown)})
