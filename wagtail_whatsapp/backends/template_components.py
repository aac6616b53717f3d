"""Meta's ``components`` JSON for a template's parameters: the one builder, used by the cloud backend for the Graph
API and by the sandbox for what it keeps as "what Meta would have received"."""

from urllib.parse import quote


def template_components(parameters):
    """Meta's ``components`` for a TemplateParameters."""
    components = []
    if parameters.header_media_type and parameters.header_media_id:
        media_type = parameters.header_media_type
        components.append(
            {
                "type": "header",
                "parameters": [
                    {
                        "type": media_type,
                        media_type: media_object(parameters.header_media_id, filename=parameters.header_filename),
                    }
                ],
            }
        )
    if parameters.header_text is not None:
        components.append({"type": "header", "parameters": [{"type": "text", "text": str(parameters.header_text)}]})
    body = parameters.body
    if isinstance(body, dict):
        body_parameters = [{"type": "text", "parameter_name": key, "text": str(value)} for key, value in body.items()]
    else:
        body_parameters = [{"type": "text", "text": str(value)} for value in body or ()]
    if body_parameters:
        components.append({"type": "body", "parameters": body_parameters})
    for index, suffix in enumerate(parameters.url_button_suffixes):
        if suffix is None:  # a button without a variable part (a quick reply, a fixed URL)
            continue
        components.append(
            {
                "type": "button",
                "sub_type": "url",
                "index": str(index),
                # Meta wants the variable end of the URL percent-encoded; "%" stays so encoded input is not doubled.
                "parameters": [{"type": "text", "text": quote(str(suffix), safe="/?=&%-._~")}],
            }
        )
    return components


def media_object(media_id_or_link, *, filename=""):
    """Meta's media object: an uploaded media id, or a public link (and a document's file name)."""
    value = str(media_id_or_link)
    media = {"link": value} if value.startswith(("https://", "http://")) else {"id": value}
    if filename:
        media["filename"] = str(filename)
    return media


def template_definition(template):
    """The body of ``POST /<WABA-id>/message_templates`` for a TemplateInfo (components already in Meta's shape)."""
    definition = {
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "components": list(template.components),
    }
    if template.parameter_format:
        definition["parameter_format"] = template.parameter_format.lower()
    return definition
