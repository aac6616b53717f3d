"""How page fields fill the parameters of the family's templates (Settings → WhatsApp → template parameters).

The mapping is plain text an editor can read, one line per parameter: ``1 = title`` (positional templates) or
``headline = title`` (named parameters). ``parse_mapping`` turns it into a dict and ``validate_mapping`` checks it
against the templates' bodies, so a wrong mapping is a form error instead of a failed broadcast. Without a line, a
named parameter takes the page field of its name, in English or in Italian (``source_for``), so the recommended
Italian family (``{{testo}}``, ``{{data}}``, ``{{luogo}}``...) needs no mapping at all.
"""

import re

from django.utils.translation import gettext as _

# The page values a broadcast can put into a template parameter (the broadcast code resolves them). "text" is the
# editor's WhatsApp text folded into one line; "time" and "place" are an event's.
PAGE_SOURCES = ("title", "summary", "text", "url", "date", "time", "place", "site_name")
# Italian (and a few obvious) names of the page fields, for named parameters without a mapping line.
SOURCE_ALIASES = {
    "titolo": "title",
    "sommario": "summary",
    "testo": "text",
    "messaggio": "text",
    "link": "url",
    "indirizzo": "url",
    "data": "date",
    "giorno": "date",
    "ora": "time",
    "orario": "time",
    "luogo": "place",
    "dove": "place",
    "servizio": "site_name",
    "comune": "site_name",
}
# Positional parameters without a mapping line take these, in order.
DEFAULT_POSITIONAL_SOURCES = ("title", "summary", "url", "details")
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


def is_named(template):
    return str(template.parameter_format or "").upper() == "NAMED" or any(
        not name.isdigit() for name in template_parameters(template)
    )


def source_for(name, position, mapping, named):
    """The page field that fills parameter ``name`` (the ``position``-th of the body): the mapping's line, else for
    a named parameter the field of its name (English or Italian), else the default of its position. None when a named
    parameter matches no field."""
    if name in mapping:
        return mapping[name]
    if named:
        key = name.lower()
        return key if key in PAGE_SOURCES else SOURCE_ALIASES.get(key)
    return DEFAULT_POSITIONAL_SOURCES[position % len(DEFAULT_POSITIONAL_SOURCES)]


def template_sources(template, mapping=None):
    """``[(parameter name, page field or None)]`` for a template's body."""
    named = is_named(template)
    return [
        (name, source_for(name, position, mapping or {}, named))
        for position, name in enumerate(template_parameters(template))
    ]


def validate_mapping(mapping, templates):
    """Every line names a parameter of one of ``templates``, and each of their named parameters has a field."""
    expected = [name for template in templates for name in template_parameters(template)]
    unknown = [name for name in mapping if name not in expected]
    missing = [
        name
        for template in templates
        for name, source in template_sources(template, mapping)
        if source is None and name not in mapping
    ]
    if missing:
        raise TemplateMappingError(
            _("Parameters without a page field: %(names)s.") % {"names": ", ".join(dict.fromkeys(missing))}
        )
    if unknown:
        raise TemplateMappingError(_("The template has no parameter %(names)s.") % {"names": ", ".join(unknown)})
