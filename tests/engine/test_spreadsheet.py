"""Exports open in a spreadsheet as the staff expect: numbers are numbers, times are local, nothing typed by a
citizen runs as a formula."""
import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from engine.spreadsheet import Sheet, write_csv, write_xlsx

EVIL = '=HYPERLINK("http://x.invalid","bấm")'


def test_xlsx_keeps_numbers_dates_and_defuses_formulas():
    received = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # 08:30 in Ho Chi Minh City
    data = write_xlsx([Sheet("Tuần 2026-W48", ["Mã", "Cơ sở", "Số giờ", "Tiếp nhận", "Ngày"],
                             [["K7QXM-3TFRA", EVIL, 26.5, received, date(2026, 11, 24)],
                              ["K7QXM-3TFRB", "+84 912", 3, None, None]],
                             preamble=["Báo cáo tuần", "2026-W48"])])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "Tuần 2026-W48"
    assert ws["A1"].value == "Báo cáo tuần"
    assert [c.value for c in ws[4]] == ["Mã", "Cơ sở", "Số giờ", "Tiếp nhận", "Ngày"]
    row = ws[5]
    assert row[1].value == EVIL and row[1].data_type == "s"
    assert row[2].value == 26.5 and row[2].data_type == "n"
    assert row[3].value == datetime(2026, 11, 23, 8, 30)
    assert row[4].value.date() == date(2026, 11, 24)
    assert ws[6][1].value == "+84 912" and ws[6][1].data_type == "s"
    assert ws[6][3].value is None


def test_sheet_titles_are_made_valid_and_unique():
    data = write_xlsx([Sheet("a/b: [c]?", ["x"], []), Sheet("A/B: [C]?", ["x"], []), Sheet("x" * 40, ["x"], [])])
    titles = load_workbook(io.BytesIO(data)).sheetnames
    assert titles[0] == "a b   c"
    assert titles[1] != titles[0] and titles[1].lower().startswith("a b")
    assert len(titles[2]) == 31


def test_csv_has_bom_local_times_and_defused_text():
    data = write_csv(["Mã", "Cơ sở", "Tiếp nhận", "Giờ"],
                     [["A", EVIL, datetime(2026, 11, 23, 17, 5, tzinfo=UTC), 4],
                      ["B", "@SUM(A1)", None, -2]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Mã", "Cơ sở", "Tiếp nhận", "Giờ"]
    assert rows[1] == ["A", "'" + EVIL, "2026-11-24 00:05", "4"]
    assert rows[2] == ["B", "'@SUM(A1)", "", "-2"]  # a negative number stays a number


def test_xlsx_has_bold_headers_a_frozen_header_row_widths_and_every_kind_of_value():
    from decimal import Decimal

    data = write_xlsx([Sheet("Cases", ["Mã", "Số tiền", "Quá hạn", "Mô tả"],
                             [["A", Decimal("5000000.50"), True, "x" * 100], ["B", 7, False, "#N/A"]],
                             preamble=["Title"]),
                       Sheet("Second", ["x"], [[1.25]])])
    book = load_workbook(io.BytesIO(data))
    ws = book["Cases"]
    assert ws["A1"].font.b and ws["A3"].font.b and ws["B3"].font.b and not ws["A4"].font.b
    assert ws.freeze_panes == "A4"  # title, blank line and headers stay in view
    assert [c.value for c in ws[4]] == ["A", 5000000.5, True, "x" * 100]
    assert ws["D5"].value == "#N/A" and ws["D5"].data_type == "s"  # not an error value
    assert ws.column_dimensions["D"].width == 62 and ws.column_dimensions["A"].width == 8  # at most 60 + 2
    assert book["Second"]["A2"].value == 1.25


def test_xlsx_drops_characters_a_spreadsheet_cannot_hold_instead_of_failing():
    data = write_xlsx([Sheet("Cases", ["Mô tả"], [["Spa\x01 Ngọc\x1f Lan <b>&amp;</b>"],
                                                  ["Nha\ufffe khoa\uffff \ud800An\x0b\x7f 🦷\tx"]])])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "Spa Ngọc Lan <b>&amp;</b>"
    assert sheet["A3"].value == "Nha khoa An\x7f 🦷\tx"  # U+FFFE, U+FFFF, a lone surrogate, \x0b dropped
