"""WhatsApp's text formatting, rendered as HTML: what a citizen's phone shows, for the admin's preview and for the
archive's RSS feed (readers without WhatsApp see bold as bold, not as ``*asterisks*``).

WhatsApp reads ``*bold*``, ``_italic_``, ``~strikethrough~`` and ```` ```monospace``` ````, and makes links tappable.
Links are cut out first so that underscores or asterisks inside a URL are never taken for formatting.
"""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
# A marker must hug the text it wraps (no space just inside), as in WhatsApp.
STYLES = [
    (re.compile(r"```(.+?)```", re.S), "<code>{}</code>"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"), "<strong>{}</strong>"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"), "<em>{}</em>"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"), "<s>{}</s>"),
]


def _format_plain(text):
    html = escape(text)
    for pattern, tag in STYLES:
        html = pattern.sub(lambda m, tag=tag: tag.format(m.group(1)), html)
    return html


def whatsapp_to_html(text):
    """Safe HTML for ``text`` as WhatsApp shows it (bold, italic, strikethrough, monospace, links, line breaks)."""
    text = str(text or "")
    parts, position = [], 0
    for match in URL_RE.finditer(text):
        parts.append(_format_plain(text[position : match.start()]))
        url = match.group(0)
        parts.append(format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, url))
        position = match.end()
    parts.append(_format_plain(text[position:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308  (every piece is escaped above)
