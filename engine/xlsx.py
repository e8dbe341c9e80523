"""A lean XLSX (Office Open XML) writer for plain tables: the few parts a workbook needs, each sheet's rows written
as XML text in one pass.

openpyxl builds a cell object per value and writes it through an XML library, about half a millisecond per cell
(0.3–0.8 s for a 1,000-row export, most of the export's time); here a cell is one formatted string. What it writes
is what `engine.spreadsheet` needs and nothing more: numbers and booleans as numbers, dates and date-times as
serial numbers with a date format (so they are real dates), text as inline strings — always typed as text, so
nothing becomes a formula — bold for titles and headers, column widths and a frozen header row. Characters XML
cannot hold (control characters a citizen may have pasted) are dropped rather than failing the download.
"""
from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

PLAIN, BOLD, DATETIME, DATE = 0, 1, 2, 3  # the cell styles (xf index) of styles.xml below
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass
class Worksheet:
    """One sheet: its title, column widths, the number of rows frozen at the top, and rows of (value, style)."""

    title: str
    widths: Sequence[float] = ()
    frozen_rows: int = 0
    rows: list[list[tuple[Any, int]]] = field(default_factory=list)


def text(value: str) -> str:
    """Text as XML character data: escaped, without the characters XML 1.0 cannot hold."""
    return escape(_ILLEGAL.sub("", value))


def _cell(ref: str, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, datetime | date):  # a serial number; the style gives it its date format
        return f'<c r="{ref}"{s}><v>{to_excel(value)}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text(str(value))}</t></is></c>'


def _sheet_xml(sheet: Worksheet) -> str:
    width = max([len(sheet.widths), *(len(row) for row in sheet.rows)], default=0)
    letters = [get_column_letter(col) for col in range(1, width + 1)]
    parts = [_HEAD, f"<worksheet {_NS} {_REL_NS}>"]
    if sheet.frozen_rows:
        top = f"A{sheet.frozen_rows + 1}"
        parts.append(f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{sheet.frozen_rows}" '
                     f'topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
                     f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/></sheetView></sheetViews>')
    if sheet.widths:
        parts.append("<cols>" + "".join(f'<col min="{col}" max="{col}" width="{w}" customWidth="1"/>'
                                        for col, w in enumerate(sheet.widths, start=1)) + "</cols>")
    parts.append("<sheetData>")
    for number, row in enumerate(sheet.rows, start=1):
        cells = "".join(_cell(f"{letters[col]}{number}", value, style) for col, (value, style) in enumerate(row))
        parts.append(f'<row r="{number}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


_STYLES = (_HEAD + f"<styleSheet {_NS}>"
           f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATETIME_FORMAT}"/>'
           f'<numFmt numFmtId="165" formatCode="{DATE_FORMAT}"/></numFmts>'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           "</styleSheet>")


def workbook(sheets: Sequence[Worksheet]) -> bytes:
    """The .xlsx file of `sheets` (titles already valid and unique)."""
    names = [f"sheet{index}.xml" for index in range(1, len(sheets) + 1)]
    types = "".join(f'<Override PartName="/xl/worksheets/{name}" ContentType="{_MAIN}.worksheet+xml"/>'
                    for name in names)
    content_types = (_HEAD + f'<Types xmlns="{_PACKAGE}/content-types">'
                     '<Default Extension="rels" '
                     'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     f'<Override PartName="/xl/workbook.xml" ContentType="{_MAIN}.sheet.main+xml"/>'
                     f'<Override PartName="/xl/styles.xml" ContentType="{_MAIN}.styles+xml"/>{types}</Types>')
    package_rels = (_HEAD + f'<Relationships xmlns="{_PACKAGE}/relationships">'
                    f'<Relationship Id="rId1" Type="{_OFFICE}/officeDocument" Target="xl/workbook.xml"/>'
                    "</Relationships>")
    entries = "".join(f"<sheet name={quoteattr(text(sheet.title))} sheetId=\"{index}\" r:id=\"rId{index}\"/>"
                      for index, sheet in enumerate(sheets, start=1))
    book = _HEAD + f"<workbook {_NS} {_REL_NS}><sheets>{entries}</sheets></workbook>"
    rels = "".join(f'<Relationship Id="rId{index}" Type="{_OFFICE}/worksheet" Target="worksheets/{name}"/>'
                   for index, name in enumerate(names, start=1))
    book_rels = (_HEAD + f'<Relationships xmlns="{_PACKAGE}/relationships">'
                 f'{rels}<Relationship Id="rId{len(names) + 1}" Type="{_OFFICE}/styles" Target="styles.xml"/>'
                 "</Relationships>")
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr("xl/styles.xml", _STYLES)
        for name, sheet in zip(names, sheets, strict=True):
            archive.writestr(f"xl/worksheets/{name}", _sheet_xml(sheet))
    return buffer.getvalue()
