"""CSV downloads from the admin: streamed row by row, and safe to open in a spreadsheet whatever its separator.

Every export goes through ``csv_download``. Text cells are always quoted, and any piece of a cell that a spreadsheet
could read as a formula is neutralised (OWASP's "CSV injection"): an Italian spreadsheet splits a comma-separated
file on ``;``, so a profile name like ``Mario;=2*3;`` would otherwise put ``=2*3`` in a cell of its own.
"""

import csv
import re

from django.http import StreamingHttpResponse

# A phone number, full (E.164) or masked ("+39 348 ••• •511"): digits after a "+" compute nothing, and stay readable.
PHONE_RE = re.compile(r"^\+[0-9][0-9 •]{5,24}$")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A piece of a cell between separators a spreadsheet may split on: the one the file uses, the local one, or a line
# break (for a reader that ignores the quotes).
PIECE_RE = re.compile(r"(^|[,;\r\n])([ ]*)(?=[=+\-@\t\r])")


class _Echo:
    """A file that hands back what is written, so csv.writer formats one row at a time for the stream."""

    def write(self, value):
        return value


def safe_cell(value):
    """A cell no spreadsheet runs as a formula: every piece (split on ``,`` or ``;``) that begins with ``= + - @``,
    a tab or a carriage return gets a leading ``'``. Numbers stay numbers, and so does a phone number (full or
    masked)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if PHONE_RE.match(text):
        return text
    return PIECE_RE.sub(r"\1\2'", text)


def csv_download(rows, filename):
    """A streamed CSV attachment of ``rows`` (iterables of cells), never cached: it holds citizens' numbers.
    Every text cell is quoted, so a separator inside it never starts a new cell."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_NONNUMERIC)
    response = StreamingHttpResponse(
        (writer.writerow([safe_cell(cell) for cell in row]) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
