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


# An interactive list message (the citizen opens it with ``button`` and picks one row; the row's id comes back in the
# webhook's ``list_reply``): Meta's limits.
MAX_LIST_BODY = 4096
MAX_LIST_BUTTON = 20
MAX_SECTIONS = 10
MAX_ROWS = 10  # in all sections together
MAX_SECTION_TITLE = 24
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200


def list_message(body, button, sections, footer=""):
    """The ``interactive`` object of a list message: ``sections`` are ListSections of ListRows. Raises ValueError
    with the reason when Meta would refuse it."""
    problem = list_problem_of(body, button, sections, footer)
    if problem:
        raise ValueError(problem)
    interactive = {
        "type": "list",
        "body": {"text": body},
        "action": {
            "button": button,
            "sections": [
                {
                    **({"title": section.title} if section.title else {}),
                    "rows": [
                        {
                            "id": row.id,
                            "title": row.title,
                            **({"description": row.description} if row.description else {}),
                        }
                        for row in section.rows
                    ],
                }
                for section in sections
            ],
        },
    }
    if footer:
        interactive["footer"] = {"text": footer}
    return interactive


def list_problem_of(body, button, sections, footer=""):
    """Why Meta would refuse this list message, or ``""``."""
    if not isinstance(body, str) or not body.strip():
        return "The body of a list message is empty."
    if len(body) > MAX_LIST_BODY:
        return f"The body of a list message is longer than {MAX_LIST_BODY} characters."
    if len(footer or "") > MAX_FOOTER:
        return f"The footer of a list message is longer than {MAX_FOOTER} characters."
    if not button.strip() or len(button) > MAX_LIST_BUTTON:
        return f"The button of a list message must have from 1 to {MAX_LIST_BUTTON} characters."
    if not 1 <= len(sections) <= MAX_SECTIONS:
        return f"A list message has from 1 to {MAX_SECTIONS} sections."
    rows = [row for section in sections for row in section.rows]
    if not 1 <= len(rows) <= MAX_ROWS or any(not section.rows for section in sections):
        return f"A list message has from 1 to {MAX_ROWS} rows, and no empty section."
    if len(sections) > 1 and any(not section.title for section in sections):
        return "Every section of a list with several sections needs a title."
    if any(len(section.title) > MAX_SECTION_TITLE for section in sections):
        return f"A section's title must have at most {MAX_SECTION_TITLE} characters."
    for row in rows:
        if not row.title.strip() or len(row.title) > MAX_ROW_TITLE:
            return f"A row's title must have from 1 to {MAX_ROW_TITLE} characters."
        if not row.id or len(row.id) > MAX_ROW_ID:
            return f"A row's id must have from 1 to {MAX_ROW_ID} characters."
        if len(row.description) > MAX_ROW_DESCRIPTION:
            return f"A row's description must have at most {MAX_ROW_DESCRIPTION} characters."
    if len({row.id for row in rows}) < len(rows):
        return "Two rows have the same id."
    return ""
