"""The staff case list's search, its export and the printable case file: a search without accents finds the
facility; the XLSX and CSV hold exactly the cases the list shows (all pages) within the role's scope, with the
reporter's contact only for intake and inspectors; every export is in the audit log; bad filters get a clear
answer naming the field."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine import case_export
from engine.db import transaction
from engine.models import AuditEntry
from engine.settings import DEFAULTS, session_info
from tests.conftest import START
from tests.webui.conftest import text_of

NGOC_LAN = {"facility_name": "Thẩm mỹ viện Ngọc Lan", "address": "45 Đường Điện Biên Phủ",
            "description": "Tiêm filler không phép cho khách vào buổi tối."}


def codes(response) -> list[str]:
    return re.findall(r'<tr data-case-code="([^"]+)"', response.get_data(as_text=True))


@pytest.fixture
def spread(create_case, drive):
    ids = {
        "ngoc_lan": create_case(1, received_at=START - timedelta(days=10), **NGOC_LAN),
        "inspectorate": create_case(2, facility_name="=HYPERLINK(\"http://x\")", address="8 Nguyễn Trãi"),
        "tan_dinh": create_case(1, ward="ward-tan-dinh", facility_name="Spa Ngọc Lan Anh"),
    }
    return {name: drive.case(case_id).code for name, case_id in ids.items()} | {"ids": ids}


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def exports(factory) -> list[AuditEntry]:
    with transaction(factory) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.kind == case_export.EXPORTED)))


def test_a_search_without_accents_lists_the_facility(as_user, spread):
    page = as_user("intake").get("/cases/?q=ngoc+lan")
    assert sorted(codes(page)) == sorted([spread["ngoc_lan"], spread["tan_dinh"]])
    assert "Thẩm mỹ viện Ngọc Lan" in text_of(page)
    assert codes(as_user("intake").get("/cases/?q=NGỌC+LAN&ward=ward-tan-dinh")) == [spread["tan_dinh"]]
    assert codes(as_user("intake").get("/cases/?unit=inspectorate")) == [spread["inspectorate"]]


def test_the_received_period_is_given_in_local_dates_and_the_end_date_counts_whole(as_user, spread):
    # ngoc_lan was received 2026-11-13 08:00 in Ho Chi Minh City; the others on 2026-11-23
    intake = as_user("intake")
    assert codes(intake.get("/cases/?received_from=2026-11-01&received_to=2026-11-13")) == [spread["ngoc_lan"]]
    assert codes(intake.get("/cases/?received_to=2026-11-12")) == []
    assert spread["ngoc_lan"] not in codes(intake.get("/cases/?received_from=2026-11-14"))


@pytest.mark.parametrize(("query", "status", "field", "message"), [
    ("received_from=yesterday", 400, "received_from", "“Tiếp nhận từ ngày” không phải là ngày"),
    ("received_to=1999-01-01", 400, "received_to", "“Tiếp nhận đến ngày” không phải là ngày"),
    ("received_from=2026-11-20&received_to=2026-11-10", 422, "received", "Khoảng thời gian kết thúc trước"),
    ("q=" + "x" * 201, 422, "q", "Từ khóa tìm kiếm quá dài"),
    ("q=mot+hai+ba+bon+nam+sau+bay+tam+chin", 422, "q", "Từ khóa tìm kiếm quá dài"),
    ("level=9", 422, "level", "Cấp độ là 1, 2 hoặc 3"),
    ("level=one", 422, "level", "Cấp độ là 1, 2 hoặc 3"),
])
def test_a_bad_filter_is_named_in_vietnamese_above_an_empty_list_with_the_input_kept(as_user, spread, query,
                                                                                     status, field, message):
    intake = as_user("intake")
    page = intake.get(f"/cases/?{query}")
    assert page.status_code == status
    html = page.get_data(as_text=True)
    assert f'data-field="{field}"' in html and message in text_of(page)
    assert codes(page) == [] and 'id="case-export"' not in html
    if field.startswith("received_"):
        assert f'value="{query.split("=", 1)[1]}"' in html  # what was typed stays in the field
    response = intake.get(f"/cases/export.xlsx?{query}")  # an export of a bad search goes back to the list
    assert response.status_code == 302 and response.headers["Location"].startswith("/cases/?")


def test_the_xlsx_export_holds_the_rows_the_list_shows_with_contact_for_intake(as_user, factory, spread):
    intake = as_user("intake")
    listed = codes(intake.get("/cases/?q=ngoc+lan"))
    rows = xlsx_rows(intake.get("/cases/export.xlsx?q=ngoc+lan"))
    headers, body = rows[0], rows[1:]
    assert [r[0] for r in body] == listed
    assert headers[-3:] == ["Họ tên người phản ánh", "Điện thoại người phản ánh", "Thư điện tử người phản ánh"]
    ngoc_lan = body[listed.index(spread["ngoc_lan"])]
    assert ngoc_lan[3] == 1 and ngoc_lan[11] == "Thẩm mỹ viện Ngọc Lan" and ngoc_lan[-3] == "Nguyễn A"
    assert ngoc_lan[1].year == 2026  # a real date-time, not text
    [entry] = exports(factory)
    assert entry.actor == "intake" and entry.detail["rows"] == 2 and entry.detail["filters"] == {"text": "ngoc lan"}


def test_a_wards_export_has_only_its_cases_and_no_contact_columns(as_user, factory, spread):
    ward = as_user("ward")
    rows = xlsx_rows(ward.get("/cases/export.xlsx"))
    assert [r[0] for r in rows[1:]] == [spread["ngoc_lan"]] == codes(ward.get("/cases/"))
    assert "Nguyễn A" not in str(rows)
    assert len(rows[0]) == 14
    response = ward.get("/cases/export.csv")
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[0] for r in table[1:]] == [spread["ngoc_lan"]] and len(table[0]) == 14
    assert [e.detail["contact"] for e in exports(factory)] == [False, False]


def test_text_that_looks_like_a_formula_stays_text(as_user, spread):
    rows = xlsx_rows(as_user("inspector").get("/cases/export.xlsx?unit=inspectorate"))
    assert rows[1][11] == '=HYPERLINK("http://x")'
    response = as_user("inspector").get("/cases/export.csv?unit=inspectorate")
    assert "'=HYPERLINK" in response.get_data(as_text=True)
    assert "attachment; filename=\"cases-" in response.headers["Content-Disposition"]


def test_a_list_longer_than_an_export_may_hold_is_refused_with_a_message(as_user, factory, spread, monkeypatch):
    monkeypatch.setitem(factory.kw, "info", session_info(replace(DEFAULTS, export_max_rows=2)))
    intake = as_user("intake")
    response = intake.get("/cases/export.csv?level=1")
    assert response.status_code == 200 and response.data.count(b"\r\n") == 3  # header and two cases
    response = intake.get("/cases/export.xlsx")
    assert response.status_code == 302 and response.headers["Location"].startswith("/cases/")
    assert "3" in text_of(intake.get(response.headers["Location"]))
    assert [e.detail["rows"] for e in exports(factory)] == [2]


def test_the_printable_case_file_has_the_report_and_the_contact_only_where_allowed(as_user, drive, spread):
    case_id = spread["ids"]["ngoc_lan"]
    for user in ("ward", "leader"):
        page = as_user(user).get(f"/cases/{case_id}/print")
        assert page.status_code == 200
        assert "Thẩm mỹ viện Ngọc Lan" in text_of(page) and spread["ngoc_lan"] in text_of(page)
        assert 'id="print-reporter"' not in page.get_data(as_text=True) and "Nguyễn A" not in text_of(page)
        assert 'id="print-step-classify"' in page.get_data(as_text=True)
    page = as_user("inspector").get(f"/cases/{case_id}/print")
    assert "Nguyễn A" in text_of(page)
    assert 'src="/static/case-print.js"' in page.get_data(as_text=True)
    assert as_user("ward").get(f"/cases/{spread['ids']['tan_dinh']}/print").status_code == 403


def test_a_received_to_time_is_taken_as_written_whatever_parts_the_date_and_time(as_user, create_case, drive):
    """Only a date alone means "to the end of that day": 12:00 written with a space (or a lower-case t) was
    stretched to 12:00 the next day; an offset whose "+" arrived as a space is read too."""
    early = drive.case(create_case(1, received_at=START.replace(hour=3))).code
    create_case(1, received_at=START.replace(hour=20))
    intake = as_user("intake")
    day = START.strftime("%Y-%m-%d")
    for written in (f"{day}T12:00", f"{day} 12:00", f"{day}t12:00", f"{day}T12:00:00 07:00", f"{day} 05:00 00:00"):
        assert early in codes(intake.get(f"/cases/?received_to={written}")), written
        assert len([c for c in codes(intake.get(f"/cases/?received_to={written}")) if c]) == \
            len(codes(intake.get(f"/cases/?received_to={day}T12:00"))), written


def test_an_export_takes_the_search_the_list_takes(as_user, spread):
    """A control character in the search text is left out of both (the export once went back to the list
    without a word)."""
    intake = as_user("intake")
    listed = codes(intake.get("/cases/?q=ngoc%00lan"))
    assert listed
    exported = intake.get("/cases/export.csv?q=ngoc%00lan")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r[0] for r in rows[1:]) == sorted(listed)
