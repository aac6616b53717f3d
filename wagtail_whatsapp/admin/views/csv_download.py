"""CSV downloads from the admin: streamed row by row, and safe to open in a spreadsheet."""

import csv
import re

from django.http import StreamingHttpResponse

E164_RE = re.compile(r"^\+\d{6,15}$")


class _Echo:
    """A file that hands back what is written, so csv.writer formats one row at a time for the stream."""

    def write(self, value):
        return value


def safe_cell(value):
    """Keep spreadsheets from running a cell as a formula: profile names and Meta's error texts are outside data."""
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not E164_RE.match(text):
        return "'" + text
    return text


def csv_download(rows, filename):
    """A streamed CSV attachment of ``rows`` (iterables of cells), never cached: it holds citizens' numbers."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([safe_cell(cell) for cell in row]) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
