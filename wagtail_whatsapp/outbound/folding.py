"""The editor's WhatsApp text folded into a template parameter, faithfully.

Meta refuses a template parameter holding a newline, a tab or more than four spaces in a row, and a template's body
may be at most 1,024 characters once filled. So paragraphs are joined with a visible separator, lines within a
paragraph with another, runs of spaces shrink to one, and a text too long is cut at a word with "…", the page's link
kept at the end.
"""

import re

BODY_LIMIT = 1024  # a template's body once filled with its parameters
HEADER_TEXT_LIMIT = 60
URL_SUFFIX_LIMIT = 2000
PARAGRAPH_SEPARATOR = " — "
LINE_SEPARATOR = " · "
ELLIPSIS = "…"

PARAGRAPHS = re.compile(r"\n\s*\n")
SPACES = re.compile(r"[ \t\u00a0]+")
# What Meta refuses inside a parameter.
FORBIDDEN = re.compile(r"[\n\r\t]| {5,}")


def single_line(text):
    """``text`` with its paragraphs and lines joined by visible separators: a valid template parameter."""
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = []
    for paragraph in PARAGRAPHS.split(text):
        lines = [SPACES.sub(" ", line).strip() for line in paragraph.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append(LINE_SEPARATOR.join(lines))
    return PARAGRAPH_SEPARATOR.join(paragraphs)


def fold(text, limit, keep=""):
    """``text`` as one line of at most ``limit`` characters. When cut, the cut falls between words, ends with "…",
    and ``keep`` (the page's link), if the text held it, stays at the end."""
    line = single_line(text)
    if len(line) <= limit:
        return line
    keep = keep if keep and keep in line and len(keep) + 2 < limit else ""
    if keep:
        line = single_line(line.replace(keep, " "))
    room = limit - len(ELLIPSIS) - (len(keep) + 1 if keep else 0)
    cut = line[: room + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut[1:] else cut[:room]
    cut = cut.rstrip(" ·,;:-–—").rstrip()
    return f"{cut}{ELLIPSIS}" + (f" {keep}" if keep else "")


def is_valid_parameter(text):
    return not FORBIDDEN.search(str(text))
