"""The family's template for a page as a citizen outside the 24-hour window sees it, for the confirmation view.

Fills the approved template's text (synced from Meta into ``MessageTemplate.components``) with the parameters the
engine chose for this page (``BroadcastPlan.template_spec``), so the editor reads both versions before sending.
"""

import re

PLACEHOLDER = re.compile(r"{{\s*([A-Za-z0-9_]+)\s*}}")


def _fill(text, values):
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text or "")


def template_preview(template, spec):
    """``{"header", "header_text", "body", "footer", "buttons": [{"text", "url"}]}`` or None without a template."""
    if template is None:
        return None
    values = {str(item.get("name")): str(item.get("text", "")) for item in spec.get("body") or []}
    button_suffixes = {str(item.get("index")): str(item.get("text", "")) for item in spec.get("buttons") or []}
    preview = {"header": "", "header_text": "", "body": "", "footer": "", "buttons": []}
    for component in template.components or []:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            header_format = str(component.get("format", "")).upper()
            if header_format in ("IMAGE", "VIDEO", "DOCUMENT"):
                preview["header"] = header_format.lower()
            elif header_format == "TEXT":
                title = spec.get("header_text")
                preview["header_text"] = PLACEHOLDER.sub(title or "", component.get("text", "")) if title else ""
                preview["header_text"] = preview["header_text"] or component.get("text", "")
        elif kind == "BODY":
            preview["body"] = _fill(component.get("text", ""), values)
        elif kind == "FOOTER":
            preview["footer"] = component.get("text", "")
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                url = button.get("url", "")
                if url:
                    url = PLACEHOLDER.sub(button_suffixes.get(str(index), ""), url)
                preview["buttons"].append({"text": button.get("text", ""), "url": url})
    return preview
