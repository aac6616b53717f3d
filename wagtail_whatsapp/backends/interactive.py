"""Meta's ``interactive`` object for a reply-buttons message: the one builder, used by the cloud backend for the Graph
API and by the sandbox for what it keeps as "what Meta would have received".

A reply-buttons message is free-form: it goes only inside the citizen's 24-hour window (the confirmation question of
the double opt-in answers their ISCRIVIMI, so it always is). Meta's limits are checked here, before the call, so a
town's text that is too long fails with a clear reason instead of Meta's #131009.
"""

MAX_BODY = 1024
MAX_FOOTER = 60
MAX_BUTTONS = 3
MAX_TITLE = 20
MAX_ID = 256


def reply_buttons(body, buttons, footer=""):
    """The ``interactive`` object of a message with ``buttons`` (ReplyButtons) under ``body``. Raises ValueError with
    the reason when Meta would refuse it."""
    problem = problem_of(body, buttons, footer)
    if problem:
        raise ValueError(problem)
    interactive = {
        "type": "button",
        "body": {"text": body},
        "action": {
            "buttons": [{"type": "reply", "reply": {"id": button.id, "title": button.title}} for button in buttons]
        },
    }
    if footer:
        interactive["footer"] = {"text": footer}
    return interactive


def problem_of(body, buttons, footer=""):
    """Why Meta would refuse these buttons, or ``""``."""
    if not isinstance(body, str) or not body.strip():
        return "The body of a reply-buttons message is empty."
    if len(body) > MAX_BODY:
        return f"The body of a reply-buttons message is longer than {MAX_BODY} characters."
    if len(footer or "") > MAX_FOOTER:
        return f"The footer of a reply-buttons message is longer than {MAX_FOOTER} characters."
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        return f"A reply-buttons message has from 1 to {MAX_BUTTONS} buttons."
    for button in buttons:
        if not button.title.strip() or len(button.title) > MAX_TITLE:
            return f"A button's title must have from 1 to {MAX_TITLE} characters."
        if not button.id or len(button.id) > MAX_ID:
            return f"A button's id must have from 1 to {MAX_ID} characters."
    if len({button.id for button in buttons}) < len(buttons) or len({b.title for b in buttons}) < len(buttons):
        return "Two buttons have the same id or title."
    return ""
