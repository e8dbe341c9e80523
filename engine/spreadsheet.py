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

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .settings import LOCAL_TZ
from .xml_text import xml_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
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


def _put(cell, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        cell.value = local_naive(value)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, bool | int | float | Decimal):
        cell.value = value
    else:
        cell.value = xml_text(value)  # what XML cannot hold (a pasted control character) is dropped
        cell.data_type = TYPE_STRING  # never a formula, whatever the text starts with


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets:
        ws = workbook.create_sheet(_title(sheet.title, taken))
        widths = [len(str(h)) for h in sheet.headers]
        row_no = 1
        for line in sheet.preamble:
            _put(ws.cell(row=row_no, column=1), line)
            ws.cell(row=row_no, column=1).font = bold if row_no == 1 else Font()
            row_no += 1
        if sheet.preamble:
            row_no += 1
        for col, header in enumerate(sheet.headers, start=1):
            _put(ws.cell(row=row_no, column=col), header)
            ws.cell(row=row_no, column=col).font = bold
        header_row = row_no
        for values in sheet.rows:
            row_no += 1
            for col, value in enumerate(values, start=1):
                _put(ws.cell(row=row_no, column=col), value)
                if col <= len(widths):
                    widths[col - 1] = max(widths[col - 1], min(len(csv_text(value)), 60))
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = max(8, width + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv_sheets(sheets: Sequence[Sheet]) -> bytes:
    """Several tables in one CSV file (one byte-order mark), each with its title and preamble, a blank line
    between them — for reports that are more than one table."""
    parts = []
    for index, sheet in enumerate(sheets):
        lines = [*sheet.preamble] if sheet.preamble else [sheet.title]
        text = write_csv(sheet.headers, sheet.rows, lines).decode("utf-8").removeprefix("\ufeff")
        parts.append(("\r\n" if index else "") + text)
    return ("\ufeff" + "".join(parts)).encode("utf-8")
