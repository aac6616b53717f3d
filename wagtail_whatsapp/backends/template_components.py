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
                "parameters": [{"type": media_type, media_type: media_object(parameters.header_media_id)}],
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


def media_object(media_id_or_link):
    """Meta's media object: an uploaded media id, or a public link."""
    value = str(media_id_or_link)
    return {"link": value} if value.startswith(("https://", "http://")) else {"id": value}
