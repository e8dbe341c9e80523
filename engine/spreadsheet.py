"""Tables written as CSV and XLSX for staff to open in a spreadsheet program — the one writer every export uses.

Safe against formula injection: text a citizen typed (a facility name like ``=HYPERLINK(…)``) is never read as a
formula. In XLSX every text cell is stored with the string type, so it shows exactly as typed; in CSV (which
has no types) text that a spreadsheet would evaluate — starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return — is prefixed with an apostrophe, as OWASP recommends. Numbers stay numbers and times become
real date-times in Ho Chi Minh City time (spreadsheets have no time zones), so sums and filters work.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from . import xlsx
from .settings import LOCAL_TZ

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_SHOWN, DATE_SHOWN = "2026-11-30 08:00", "2026-11-30"  # as the date formats show them (column widths)
MAX_SHEET_TITLE = 31  # Excel's limit
_FORBIDDEN_IN_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass
class Sheet:
    """One worksheet: a title, column headers and rows of plain values (str, int, float, Decimal, bool,
    date, datetime or None). Optional `preamble` lines (report title, period) come above the table."""
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    preamble: Sequence[str] = field(default_factory=tuple)


def local_naive(value: datetime) -> datetime:
    """A time as the clock on the wall in Ho Chi Minh City shows it (spreadsheets store no time zone)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None)


def csv_text(value: Any) -> str:
    """One value as CSV text: times in local time, formula-like text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return local_naive(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]],
              preamble: Sequence[str] = ()) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Vietnamese letters correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in preamble:
        writer.writerow([csv_text(line)])
    if preamble:
        writer.writerow([])
    writer.writerow([csv_text(h) for h in headers])
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _title(text: str, taken: set[str]) -> str:
    base = (text.translate(_FORBIDDEN_IN_TITLE).strip() or "Sheet")[:MAX_SHEET_TITLE]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[:MAX_SHEET_TITLE - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _styled(value: Any) -> tuple[Any, int]:
    """A value as the XLSX writer takes it: times in local time with a date format, other values as they are
    (any text stays text: the writer never writes a formula)."""
    if isinstance(value, datetime):
        return local_naive(value), xlsx.DATETIME
    if isinstance(value, date):
        return value, xlsx.DATE
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value, xlsx.PLAIN
    return str(value), xlsx.PLAIN


def _shown_length(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, datetime | date):
        return len(DATETIME_SHOWN if isinstance(value, datetime) else DATE_SHOWN)
    return len(csv_text(value))


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    taken: set[str] = set()
    written = []
    for sheet in sheets:
        rows = [[(line, xlsx.BOLD if index == 0 else xlsx.PLAIN)] for index, line in enumerate(sheet.preamble)]
        if sheet.preamble:
            rows.append([])
        rows.append([(str(header), xlsx.BOLD) for header in sheet.headers])
        frozen = len(rows)
        widths = [len(str(h)) for h in sheet.headers]
        for values in sheet.rows:
            rows.append([_styled(value) for value in values])
            for col, value in enumerate(values[:len(widths)]):
                widths[col] = max(widths[col], min(_shown_length(value), 60))
        written.append(xlsx.Worksheet(_title(sheet.title, taken), [max(8, w + 2) for w in widths], frozen, rows))
    return xlsx.workbook(written)


def write_csv_sheets(sheets: Sequence[Sheet]) -> bytes:
    """Several tables in one CSV file (one byte-order mark), each with its title and preamble, a blank line
    between them — for reports that are more than one table."""
    parts = []
    for index, sheet in enumerate(sheets):
        lines = [*sheet.preamble] if sheet.preamble else [sheet.title]
        text = write_csv(sheet.headers, sheet.rows, lines).decode("utf-8").removeprefix("\ufeff")
        parts.append(("\r\n" if index else "") + text)
    return ("\ufeff" + "".join(parts)).encode("utf-8")
