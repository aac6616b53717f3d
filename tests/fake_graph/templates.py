"""Template messages and template creation checked as Meta checks them: each send against the approved template's
components (header format and media, number of body parameters, button parameters, lengths), and each new template
for the examples Meta's review requires."""

import re

from .validation import Refusal

PLACEHOLDER = re.compile(r"{{\s*([A-Za-z0-9_]+)\s*}}")
MEDIA_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT")
FORBIDDEN_IN_PARAMETER = re.compile(r"[\n\t]| {5,}")
BODY_LIMIT = 1024
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
NAME = re.compile(r"^[a-z0-9_]{1,512}$")
STATUS_ERRORS = {"PAUSED": 132015, "DISABLED": 132016}


def _of_type(components, kind):
    return [c for c in components if str(c.get("type", "")).upper() == kind]


def find_template(templates, name, language):
    """The approved template a send names; Meta's 132001/132015/132016 otherwise."""
    template = next((t for t in templates if t.get("name") == name and t.get("language") == language), None)
    if template is None:
        raise Refusal(132001, f"template name ({name}) does not exist in {language}")
    status = str(template.get("status", "")).upper()
    if status != "APPROVED":
        raise Refusal(STATUS_ERRORS.get(status, 132001), f"Template {name} is {status.lower()}")
    return template


def validate_template_send(content, templates):
    """Refuses ``content`` (a message's ``template`` object) the way Meta does when it does not fit the template."""
    template = find_template(templates, content["name"], content["language"]["code"])
    sent = content.get("components") or []
    defined = template.get("components") or []
    _check_header(_of_type(defined, "HEADER"), [c for c in sent if c.get("type") == "header"])
    _check_body(_of_type(defined, "BODY"), [c for c in sent if c.get("type") == "body"])
    _check_buttons(_of_type(defined, "BUTTONS"), [c for c in sent if c.get("type") == "button"])


def _check_header(defined, sent):
    header = defined[0] if defined else {}
    header_format = str(header.get("format", "")).upper()
    parameters = [p for component in sent for p in component.get("parameters") or []]
    if header_format in MEDIA_FORMATS:
        kind = header_format.lower()
        media = parameters[0].get(kind) if len(parameters) == 1 and parameters[0].get("type") == kind else None
        if not isinstance(media, dict) or not (media.get("id") or media.get("link")):
            raise Refusal(
                132012, f"Parameter format does not match format in the created template: header needs {kind}"
            )
        return
    wanted = len(PLACEHOLDER.findall(header.get("text", ""))) if header_format == "TEXT" else 0
    if any(p.get("type") != "text" for p in parameters):
        raise Refusal(132012, "Parameter format does not match format in the created template: header has no media")
    if len(parameters) != wanted:
        raise Refusal(132000, f"Number of header parameters ({len(parameters)}) does not match the expected ({wanted})")
    _check_texts(parameters)


def _check_body(defined, sent):
    text = defined[0].get("text", "") if defined else ""
    names = list(dict.fromkeys(PLACEHOLDER.findall(text)))
    parameters = [p for component in sent for p in component.get("parameters") or []]
    if len(parameters) != len(names):
        raise Refusal(132000, f"Number of parameters ({len(parameters)}) does not match the expected ({len(names)})")
    _check_texts(parameters)
    if any(p.get("parameter_name") for p in parameters):
        values = {p.get("parameter_name"): p.get("text", "") for p in parameters}
        if set(values) != set(names):
            raise Refusal(132000, "Parameter names do not match the template's")
    else:
        values = {name: p.get("text", "") for name, p in zip(names, parameters, strict=True)}
    filled = PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), "")), text)
    if len(filled) > BODY_LIMIT:
        raise Refusal(132005, f"Translated text too long: the body would be {len(filled)} characters")


def _check_texts(parameters):
    for parameter in parameters:
        value = parameter.get("text")
        if parameter.get("type") == "text" and (not isinstance(value, str) or not value.strip()):
            raise Refusal(132000, "A text parameter is empty")
        if parameter.get("type") == "text" and FORBIDDEN_IN_PARAMETER.search(value):
            raise Refusal(132018, "Param text cannot have new-line/tab characters or more than 4 consecutive spaces")


def _check_buttons(defined, sent):
    buttons = [b for component in defined for b in component.get("buttons") or []]
    wanted = {
        str(index)
        for index, button in enumerate(buttons)
        if str(button.get("type", "")).upper() == "URL" and PLACEHOLDER.search(button.get("url", ""))
    }
    given = {str(component.get("index")): component.get("parameters") or [] for component in sent}
    if set(given) != wanted:
        raise Refusal(132000, f"Button parameters for {sorted(given)} do not match the template's {sorted(wanted)}")
    for parameters in given.values():
        if len(parameters) != 1 or not str(parameters[0].get("text", "")).strip():
            raise Refusal(132000, "A URL button takes exactly one text parameter")


def validate_new_template(body, templates):
    """A ``POST /<WABA-id>/message_templates`` body checked like Meta's; returns the stored template dict."""
    if not isinstance(body, dict):
        raise Refusal(100, "The request body must be a JSON object.")
    name, language, category = body.get("name"), body.get("language"), str(body.get("category", "")).upper()
    if not isinstance(name, str) or not NAME.match(name):
        raise Refusal(100, "Param name must be lowercase letters, digits and underscores.")
    if not language or category not in CATEGORIES:
        raise Refusal(100, "The parameters language and category (MARKETING, UTILITY, AUTHENTICATION) are required.")
    if any(t.get("name") == name and t.get("language") == language for t in templates):
        raise Refusal(100, f'Message template "{name}" already exists in {language}', message="Invalid parameter")
    components = body.get("components")
    if not isinstance(components, list) or len(_of_type(components, "BODY")) != 1:
        raise Refusal(100, "A template needs exactly one BODY component.")
    for header in _of_type(components, "HEADER"):
        if str(header.get("format", "")).upper() in MEDIA_FORMATS and not (header.get("example") or {}).get(
            "header_handle"
        ):
            raise Refusal(100, "A media header needs example.header_handle.")
    body_component = _of_type(components, "BODY")[0]
    text = body_component.get("text", "")
    if PLACEHOLDER.search(text):
        example = body_component.get("example") or {}
        if not (example.get("body_text") or example.get("body_text_named_params")):
            raise Refusal(100, "A body with parameters needs examples.")
        if PLACEHOLDER.match(text.strip()) or re.search(r"{{\s*[A-Za-z0-9_]+\s*}}$", text.strip()):
            raise Refusal(100, "Variables can't be at the start or end of the template.")
    for button in [b for c in _of_type(components, "BUTTONS") for b in c.get("buttons") or []]:
        if PLACEHOLDER.search(button.get("url", "")) and not button.get("example"):
            raise Refusal(100, "A URL button with a variable needs an example.")
    return {
        "name": name,
        "language": language,
        "category": category,
        "parameter_format": str(body.get("parameter_format") or "POSITIONAL").upper(),
        "components": components,
    }
