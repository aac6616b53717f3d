"""Import an existing WhatsApp broadcast list (CSV) as subscribers with consent source "imported".

Towns that ran the service by hand have their list in the WhatsApp Business app or a spreadsheet. Every row is
checked first; then the valid rows go in with bulk inserts inside one transaction, so a failure midway leaves
nothing half-imported. Numbers that unsubscribed or were blocked are never brought back by an import, even after
their data was erased (their keyed hashes stay: ``OptedOutNumber``, ``BlockedNumber``). Every way of adding
subscribers without the citizen's own message (the admin, a command) goes through ``import_subscribers``.
"""

import codecs
import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from wagtail_whatsapp.models import BlockedNumber, ConsentRecord, OptedOutNumber, Subscriber
from wagtail_whatsapp.numbers import InvalidNumber, normalise_number
from wagtail_whatsapp.subscribers.identities import number_hash

NUMBER_COLUMNS = ("phone", "phone_number", "number", "numero", "telefono", "cellulare", "mobile", "whatsapp")
NAME_COLUMNS = ("name", "nome", "display name", "nome e cognome", "contatto", "contact")
BATCH_SIZE = 1000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, no number column)."""


@dataclass
class RowError:
    line: int
    value: str
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    skipped_existing: int = 0
    errors: list = field(default_factory=list)  # RowError, in line order


def _decode(content):
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text": UTF-16 with its byte order mark (read as Windows text it would be all NUL bytes).
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(_("The file says it is UTF-16 text but is not.")) from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor Windows text."))


def _reader(text):
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text), dialect)


def _columns(header):
    names = [cell.strip().lower() for cell in header]
    number_col = next((i for i, name in enumerate(names) if name in NUMBER_COLUMNS), None)
    name_col = next((i for i, name in enumerate(names) if name in NAME_COLUMNS), None)
    return number_col, name_col


def _csv_rows(reader):
    """The reader's rows; a line the csv module cannot read (a cell over its 128 kB limit) ends the import."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ImportFileError(
                _("Line %(line)s of the file cannot be read as CSV.") % {"line": reader.line_num}
            ) from None
        yield row


def read_rows(content):
    """Yield ``(line_number, raw_number, name)`` for each data row. A header row is recognised by its column names;
    without one the first column holds the numbers. Line numbers are the file's (a quoted field may span lines)."""
    reader = _reader(_decode(content))
    rows = _csv_rows(reader)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    number_col, name_col = _columns(first)
    if number_col is None:
        if any(cell.strip().lower() in NAME_COLUMNS for cell in first):
            raise ImportFileError(_("No column of phone numbers (phone, numero, telefono...)."))
        number_col = 0
        yield from _row(1, first, number_col, name_col)
    for row in rows:
        yield from _row(reader.line_num, row, number_col, name_col)


def _row(line, row, number_col, name_col):
    if not row or not any(cell.strip() for cell in row):
        return
    raw = row[number_col].strip() if number_col < len(row) else ""
    name = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
    yield line, raw, name


def import_subscribers(site, content, *, user=None, filename=""):
    """Check every row, then import the valid new numbers in one transaction. Returns an ImportResult."""
    result = ImportResult()
    existing = dict(Subscriber.objects.filter(site=site).exclude(phone_number="").values_list("phone_number", "status"))
    # Blocks and opt-outs outlive erasure as keyed hashes: an old list never brings back who left or was blocked.
    blocked_hashes = set(BlockedNumber.objects.filter(site=site).values_list("number_hash", flat=True))
    opted_out_hashes = set(OptedOutNumber.objects.filter(site=site).values_list("number_hash", flat=True))
    seen = {}
    to_create = []
    for line, raw, name in read_rows(content):
        try:
            number = normalise_number(raw)
        except InvalidNumber:
            result.errors.append(RowError(line, raw, _("not a valid phone number")))
            continue
        if number in seen:
            result.errors.append(RowError(line, raw, _("same number as line %(line)s") % {"line": seen[number]}))
            continue
        seen[number] = line
        status = existing.get(number)
        if status == Subscriber.Status.ACTIVE:
            result.skipped_existing += 1
            continue
        hashed = number_hash(number) if blocked_hashes or opted_out_hashes else ""
        if status == Subscriber.Status.BLOCKED or hashed in blocked_hashes:
            result.errors.append(RowError(line, raw, _("blocked number")))
            continue
        if status is not None or hashed in opted_out_hashes:
            # They left (or were unreachable): an old list must not override an opt-out.
            result.errors.append(RowError(line, raw, _("this number left the service; it can rejoin by itself")))
            continue
        to_create.append((number, name[:256]))

    now = timezone.now()
    note = _("Imported from %(file)s") % {"file": filename or "CSV"}
    with transaction.atomic():
        subscribers = Subscriber.objects.bulk_create(
            [
                Subscriber(
                    site=site,
                    phone_number=number,
                    profile_name=name,
                    status=Subscriber.Status.ACTIVE,
                    source=Subscriber.Source.IMPORTED,
                    subscribed_at=now,
                )
                for number, name in to_create
            ],
            batch_size=BATCH_SIZE,
        )
        ConsentRecord.objects.bulk_create(
            [
                ConsentRecord(
                    site=site,
                    subscriber=subscriber,
                    action=ConsentRecord.Action.IMPORT,
                    created_at=now,
                    phone_number=subscriber.phone_number,
                    performed_by=user,
                    note=note,
                )
                for subscriber in subscribers
            ],
            batch_size=BATCH_SIZE,
        )
        result.imported = len(subscribers)
        if subscribers:
            log(
                site,
                "wagtail_whatsapp.import",
                user=user,
                data={"file": filename, "imported": result.imported, "rejected": len(result.errors)},
            )
    return result
