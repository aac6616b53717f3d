"""What the fake refuses, and how: Meta's error shape and codes, and the checks on message bodies and uploads."""

import email.parser
import email.policy
import re

MESSAGE_TYPES = {"text", "image", "video", "audio", "document", "sticker", "template", "interactive", "location"}
UPLOAD_TYPES = ("image/jpeg", "image/png", "video/mp4", "video/3gpp", "application/pdf")
ERROR_TITLES = {
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
    100: "Invalid parameter",
    130429: "Rate limit hit",
    131026: "Message undeliverable",
    131009: "Parameter value is not valid",
    131047: "Re-engagement message",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131050: "User has stopped marketing messages",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132005: "Translated text too long",
    132012: "Parameter format does not match format in the created template",
    132015: "Template is paused",
    132016: "Template is disabled",
    132018: "There was an issue with the parameters in your template.",
    139100: "Failed to block/unblock users",
    190: "Error validating access token: Session has expired",
}


_NOT_DIGITS = re.compile(r"\D")


def digits(number):
    return _NOT_DIGITS.sub("", str(number))


def meta_error(code, details="", message=None):
    return {
        "error": {
            "message": f"({code}) {message or ERROR_TITLES.get(code, 'Error')}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details or ERROR_TITLES.get(code, "")},
            "fbtrace_id": "AFakeTrace" + str(code),
        }
    }


class Refusal(Exception):
    def __init__(self, code, details="", status=400, message=None):
        super().__init__(code)
        self.code, self.details, self.status, self.message = code, details, status, message


def validate_message(body):
    """The message type of a valid ``POST .../messages`` body; raises Refusal like Meta for an invalid one."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        raise Refusal(100, "The parameter messaging_product is required.")
    to, kind = body.get("to"), body.get("type", "text")
    if not to or not digits(to):
        raise Refusal(100, "The parameter to is required.")
    if kind not in MESSAGE_TYPES or not isinstance(body.get(kind), dict):
        raise Refusal(100, f"Param type must be one of {sorted(MESSAGE_TYPES)} with a matching object.")
    validate_content(kind, body[kind])
    return kind


def validate_content(kind, content):
    if kind == "text":
        text = content.get("body")
        if not isinstance(text, str) or not text:
            raise Refusal(100, "The parameter text['body'] is required.")
        if len(text) > 4096:
            raise Refusal(100, "Param text['body'] must be at most 4096 characters long.")
    elif kind in ("image", "video", "audio", "document", "sticker"):
        if not content.get("id") and not content.get("link"):
            raise Refusal(100, f"Param {kind} must have an id or a link.")
        if len(str(content.get("caption", ""))) > 1024:
            raise Refusal(100, f"Param {kind}['caption'] must be at most 1024 characters long.")
    elif kind == "interactive":
        validate_interactive(content)
    elif kind == "template":
        if not content.get("name"):
            raise Refusal(100, "The parameter template['name'] is required.")
        language = content.get("language")
        if not isinstance(language, dict) or not language.get("code"):
            raise Refusal(100, "The parameter template['language']['code'] is required.")
        components = content.get("components", [])
        if not isinstance(components, list) or not all(isinstance(c, dict) and c.get("type") for c in components):
            raise Refusal(100, "Param template['components'] must be a list of components with a type.")
        for component in components:
            if component["type"] == "button" and (component.get("sub_type") != "url" or "index" not in component):
                raise Refusal(100, "A button component needs sub_type and index.")


def validate_interactive(content):
    """A reply-buttons message as Meta checks it: a body of 1 to 1,024 characters, a footer of at most 60, one to
    three ``reply`` buttons, each with a unique id (≤ 256) and a unique title (≤ 20); a list message as
    ``validate_list`` checks it. Other interactive kinds (CTA URLs) are not played by the fake."""
    if content.get("type") == "list":
        validate_list(content)
        return
    if content.get("type") != "button":
        raise Refusal(100, "Param interactive['type'] must be one the fake plays: button, list.")
    body = content.get("body")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise Refusal(100, "The parameter interactive['body']['text'] is required.")
    if len(text) > 1024:
        raise Refusal(131009, "Param interactive['body']['text'] must be at most 1024 characters long.")
    footer = content.get("footer", {"text": ""})
    if not isinstance(footer, dict) or len(str(footer.get("text", ""))) > 60:
        raise Refusal(131009, "Param interactive['footer']['text'] must be at most 60 characters long.")
    action = content.get("action")
    buttons = action.get("buttons") if isinstance(action, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise Refusal(131009, "Param interactive['action']['buttons'] must have from 1 to 3 buttons.")
    ids, titles = set(), set()
    for button in buttons:
        reply = button.get("reply") if isinstance(button, dict) else None
        if button.get("type") != "reply" or not isinstance(reply, dict):
            raise Refusal(100, "Each button needs type reply and a reply object.")
        button_id, title = reply.get("id"), reply.get("title")
        if not isinstance(button_id, str) or not 1 <= len(button_id) <= 256:
            raise Refusal(131009, "A button's reply['id'] must have from 1 to 256 characters.")
        if not isinstance(title, str) or not 1 <= len(title) <= 20:
            raise Refusal(131009, "A button's reply['title'] must have from 1 to 20 characters.")
        if button_id in ids or title in titles:
            raise Refusal(131009, "Buttons must have unique ids and titles.")
        ids.add(button_id)
        titles.add(title)


def parse_upload(headers, body):
    """``(content, mime_type, filename)`` of a ``POST .../media`` multipart body; raises Refusal like Meta."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + headers.get("content-type", "").encode() + b"\r\n\r\n" + body
    )
    fields, upload = {}, None
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if name == "file":
            upload = part
        elif name:
            fields[name] = part.get_content().strip() if part.get_content_maintype() == "text" else ""
    if fields.get("messaging_product") != "whatsapp":
        raise Refusal(100, "The parameter messaging_product is required.")
    if upload is None:
        raise Refusal(100, "The parameter file is required.")
    mime_type = upload.get_content_type()
    if mime_type not in UPLOAD_TYPES:
        raise Refusal(131053, f"Unsupported media type {mime_type}")
    return upload.get_payload(decode=True) or b"", mime_type, upload.get_filename()


def validate_list(content):
    """A list message as Meta checks it: a body of 1 to 4,096 characters, a button label of 1 to 20, 1 to 10 sections
    (titled, ≤ 24, when more than one) holding 1 to 10 rows in all, each with a unique id (≤ 200), a title (≤ 24)
    and an optional description (≤ 72)."""
    body = content.get("body")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > 4096:
        raise Refusal(131009, "Param interactive['body']['text'] must have from 1 to 4096 characters.")
    action = content.get("action") if isinstance(content.get("action"), dict) else {}
    button = action.get("button")
    if not isinstance(button, str) or not 1 <= len(button) <= 20:
        raise Refusal(131009, "Param interactive['action']['button'] must have from 1 to 20 characters.")
    sections = action.get("sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
        raise Refusal(131009, "Param interactive['action']['sections'] must have from 1 to 10 sections.")
    rows = []
    for section in sections:
        title = section.get("title", "") if isinstance(section, dict) else None
        if title is None or len(title) > 24 or (len(sections) > 1 and not title):
            raise Refusal(131009, "Each section of a multi-section list needs a title of at most 24 characters.")
        if not isinstance(section.get("rows"), list) or not section["rows"]:
            raise Refusal(131009, "Each section needs at least one row.")
        rows += section["rows"]
    if len(rows) > 10:
        raise Refusal(131009, "A list message has at most 10 rows in all.")
    ids = set()
    for row in rows:
        row_id, title = row.get("id"), row.get("title")
        if not isinstance(row_id, str) or not 1 <= len(row_id) <= 200 or row_id in ids:
            raise Refusal(131009, "Each row needs a unique id of 1 to 200 characters.")
        if not isinstance(title, str) or not 1 <= len(title) <= 24:
            raise Refusal(131009, "A row's title must have from 1 to 24 characters.")
        if len(row.get("description", "")) > 72:
            raise Refusal(131009, "A row's description must have at most 72 characters.")
        ids.add(row_id)
