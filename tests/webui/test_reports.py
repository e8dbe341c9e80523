"""The reports pages on the hand-built week of tests/reportdata.py: the dashboard's numbers and their drill-downs,
the risk view, the printable briefing and its XLSX and CSV downloads (read back: the same numbers)."""
from __future__ import annotations

import csv
import io
import re

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from tests.reportdata import build_week
from webui.i18n import decimal


@pytest.fixture
def week(drive):
    return build_week(drive)


def figure(html: str, key: str) -> str:
    found = re.search(rf'data-figure="{re.escape(key)}">(?:<a [^>]*>)?([^<]*)', html)
    assert found, f"no figure {key}"
    return found[1].strip()


def drill_link(html: str, key: str) -> str:
    found = re.search(rf'data-figure="{re.escape(key)}"><a href="([^"]+)"', html)
    assert found, f"figure {key} has no link"
    return found[1].replace("&amp;", "&")


def codes(html: str) -> set[str]:
    return set(re.findall(r'<tr data-case-code="([^"]+)"', html))


def case_codes(drive, week, letters) -> set[str]:
    return {drive.case(week[k]).code for k in letters}


def test_the_dashboard_shows_the_weeks_figures_and_every_number_lists_its_cases(as_user, week, drive):
    leader = as_user("leader")
    html = leader.get("/reports/?period=2026-W48").get_data(as_text=True)
    assert figure(html, "received") == "7"
    assert figure(html, "late.level.1") == "2" and figure(html, "on_time.level.1") == "1"
    assert figure(html, "overdue_now") == "3"
    assert figure(html, "time_to_result.median") == "24,0 giờ"  # Vietnamese writes a decimal comma
    assert "small-sample" in html  # four results published: fewer than 5
    assert 'class="report-chart"' in html and "chart.umd.min.js" in html
    late = leader.get(drill_link(html, "late.level.1")).get_data(as_text=True)
    assert codes(late) == case_codes(drive, week, "BH")
    ward = leader.get(drill_link(html, "received.ward.ward-tan-dinh")).get_data(as_text=True)
    assert codes(ward) == case_codes(drive, week, "CE")
    rated_1 = leader.get(drill_link(html, "rated.1")).get_data(as_text=True)
    assert codes(rated_1) == case_codes(drive, week, "C")


def test_hours_are_written_with_the_decimal_mark_of_the_pages_language(as_user, week):
    leader = as_user("leader")
    vi = leader.get("/reports/?period=2026-W48").get_data(as_text=True)
    assert figure(vi, "time_to_result.p90") == "29,4 giờ"
    leader.post("/lang/en")
    en = leader.get("/reports/?period=2026-W48").get_data(as_text=True)
    assert figure(en, "time_to_result.p90") == "29.4 h"
    assert "24.0 / 29.4 h" in " ".join(en.split())  # the card above the table


@pytest.mark.parametrize(("language", "expected"), [("vi", ("1.234,5", "24", "12,5", "0,0")),
                                                    ("en", ("1,234.5", "24", "12.5", "0.0"))])
def test_the_decimal_filter_groups_thousands_as_each_language_does(app, language, expected):
    with app.test_request_context(), force_locale(language):
        assert (decimal(1234.54), decimal(24.0, 1, zeros=False), decimal(12.5, 1, zeros=False), decimal(0)) == expected


def test_filters_narrow_the_dashboard(as_user, week):
    html = as_user("intake").get("/reports/?period=2026-W48&level=2").get_data(as_text=True)
    assert figure(html, "received") == "2"


def test_a_bad_period_is_explained_on_the_page_and_nothing_breaks(as_user, week):
    response = as_user("inspector").get("/reports/?period=2026-W99")
    assert response.status_code == 422
    assert 'id="period-error"' in response.get_data(as_text=True)
    assert as_user("leader").get("/reports/weekly/2026-Q4").status_code == 422
    assert as_user("leader").get("/reports/cases?metric=nothing&period=2026-W48").status_code == 422
    assert as_user("leader").get("/reports/monthly/2026-W48").status_code == 404
    assert as_user("leader").get("/reports/?level=9").status_code == 400


def test_the_weekly_briefing_prints_and_downloads_the_same_numbers(as_user, week, drive):
    leader = as_user("leader")
    page = leader.get("/reports/weekly/2026-W48")
    html = page.get_data(as_text=True)
    assert "BÁO CÁO TUẦN 48/2026" in html and "@media print" not in html  # the print stylesheet is a file
    assert codes(html.split('id="overdue-cases"')[1].split("</table>")[0]) == case_codes(drive, week, "DCI")
    xlsx = leader.get("/reports/weekly/2026-W48?format=xlsx")
    assert xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book.worksheets[0]
    values = {row[1]: row[2] for row in sheet.iter_rows(values_only=True) if row and len(row) > 2}
    assert values["Số phản ánh tiếp nhận"] == int(figure(html, "received")) == 7
    assert values["Hồ sơ quá hạn"] == int(figure(html, "overdue_now")) == 3
    median = float(figure(html, "time_to_result.median").split()[0].replace(",", "."))
    assert values["Thời gian có kết quả — trung vị"] == median == 24
    assert values["Thời gian có kết quả — bách phân vị 90"] == 29.4
    overdue_sheet = book.worksheets[1]
    listed = [row[0] for row in overdue_sheet.iter_rows(values_only=True)]
    assert case_codes(drive, week, "DCI") <= set(listed)
    text = leader.get("/reports/weekly/2026-W48?format=csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Tiếp nhận", "Số phản ánh tiếp nhận", "7", "", "", ""] in rows


def test_a_facility_name_like_a_formula_stays_text_in_the_downloads(as_user, drive):
    drive.report(facility_name="=HYPERLINK(\"http://x\")")
    case_id = drive.report(facility_name="+SUM(A1)")
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 3, "handling_unit": "inspectorate", "agencies": ["police"]})
    leader = as_user("leader")
    book = load_workbook(io.BytesIO(leader.get("/reports/weekly/2026-W48?format=xlsx").data))
    cells = [row[4] for row in book.worksheets[3].iter_rows() if row[4].value == "+SUM(A1)"]
    assert cells and cells[0].data_type == "s"  # text, never a formula
    text = leader.get("/reports/weekly/2026-W48?format=csv").data.decode("utf-8-sig")
    assert "'+SUM(A1)" in text


def test_the_risk_view_colours_and_counts_open_cases(as_user, week, drive):
    html = as_user("leader").get("/reports/risk").get_data(as_text=True)
    assert 'id="risk-table"' in html and "risk-severe" in html
    link = re.search(r'href="(/reports/cases\?[^"]*metric=overdue_now[^"]*ward=ward-ben-thanh[^"]*)"', html)
    listed = as_user("leader").get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert codes(listed) <= case_codes(drive, week, "DI") and codes(listed)


def test_units_and_agencies_have_no_reports(as_user):
    for username in ("ward", "police", "owner"):
        assert as_user(username).get("/reports/").status_code == 403


def test_every_linked_figure_lists_exactly_as_many_cases_as_it_counts(as_user, week):
    """Every count of cases on the dashboard, unfiltered and under a level or a unit filter, against the list
    its link opens (the handling unit's rows once linked to every case received, the unclassified row too, and
    under a level filter the other levels' rows linked to their cases while counting 0)."""
    leader = as_user("leader")
    for query in ("", "&level=1", "&unit=inspectorate", "&unit=ward-tan-dinh"):
        html = leader.get(f"/reports/?period=2026-W48{query}").get_data(as_text=True)
        linked = re.findall(r'data-figure="([^"]+)"><a href="([^"]+)"', html)
        assert len(linked) > 10, query
        for key, link in linked:
            listed = leader.get(link.replace("&amp;", "&")).get_data(as_text=True)
            total = int(re.search(r'<small class="text-muted">\((\d+)\)</small>', listed)[1])
            assert total == int(figure(html, key)), (query, key, link)
    html = leader.get("/reports/?period=2026-W48&level=1").get_data(as_text=True)
    assert figure(html, "late.level.2") == "0" and 'data-figure="late.level.2"><a' not in html
    assert 'data-figure="received.level.None"><a' not in leader.get("/reports/?period=2026-W48").get_data(
        as_text=True)


def test_a_rating_filter_is_refused_where_nothing_is_filtered_by_rating(as_user, week):
    leader = as_user("leader")
    assert leader.get("/reports/?period=2026-W48&rating=1").status_code == 422
    assert leader.get("/reports/cases?metric=received&period=2026-W48&rating=1").status_code == 422
    rated = leader.get("/reports/cases?metric=rated&period=2026-W48&rating=5")
    assert rated.status_code == 200 and "Báo cáo đếm từng lượt đánh giá" in rated.get_data(as_text=True)
