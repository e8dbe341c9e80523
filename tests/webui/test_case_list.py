"""The case list at /cases/: handling units and agencies list their own cases (current and past) with intake's
search and filters; overdue shows as text, never beside a green countdown; a published case says how long
handling took."""
from __future__ import annotations

import re

import pytest

from engine import workflows
from tests.webui.conftest import text_of

RESULT = {"findings": "Cơ sở tiêm filler không phép", "measures": ["fine"], "fine_amount": 10000000,
          "citizen_summary": "Đã xử phạt 10 triệu đồng."}


def codes(response) -> list[str]:
    return re.findall(r'<tr data-case-code="([^"]+)"', response.get_data(as_text=True))


def row_of(response, code: str) -> str:
    match = re.search(rf'<tr data-case-code="{code}".*?</tr>', response.get_data(as_text=True), re.DOTALL)
    assert match, f"no row for {code}"
    return match.group(0)


def publish(drive, case_id: int, user: str) -> None:
    drive.do(user, case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    drive.do(user, case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", {"verification": "accept"})


@pytest.fixture
def spread(drive, create_case):
    ids = {
        "ben_thanh": create_case(1),
        "tan_dinh": create_case(1, ward="ward-tan-dinh"),
        "level3": create_case(3, agencies=["police"]),
    }
    return {name: drive.case(case_id).code for name, case_id in ids.items()} | {"ids": ids}


def test_a_ward_lists_its_own_cases_current_and_past_and_never_another_wards(as_user, drive, spread):
    ward = as_user("ward")
    assert codes(ward.get("/cases/")) == [spread["ben_thanh"]]
    publish(drive, spread["ids"]["ben_thanh"], "ward")
    drive.do_as_citizen(spread["ids"]["ben_thanh"], {"resolved": True, "rating": 5})
    assert codes(ward.get("/cases/?period=past")) == [spread["ben_thanh"]]
    assert codes(ward.get("/cases/?period=current")) == []
    assert codes(ward.get(f"/cases/?q={spread['tan_dinh']}")) == []


def test_an_agency_lists_the_cases_it_was_invited_to(as_user, spread):
    assert codes(as_user("police").get("/cases/")) == [spread["level3"]]
    assert codes(as_user("labour").get("/cases/")) == []
    assert codes(as_user("inspectorate").get("/cases/")) == [spread["level3"]]


def test_units_have_the_case_list_in_the_menu(as_user, spread):
    for user in ("ward", "police", "intake"):
        assert 'href="/cases/"' in as_user(user).get("/inbox/").get_data(as_text=True), user


def test_units_search_and_filter_like_intake(as_user, drive, spread, create_case):
    inspectorate = as_user("inspectorate")
    level2 = create_case(2, category="service_prices")
    code2 = drive.case(level2).code
    assert codes(inspectorate.get(f"/cases/?q={code2[:5]}")) == [code2]
    assert codes(inspectorate.get("/cases/?level=3")) == [spread["level3"]]
    assert codes(inspectorate.get("/cases/?category=service_prices")) == [code2]
    assert codes(inspectorate.get("/cases/?status=in_handling&ward=ward-ben-thanh")) == [code2, spread["level3"]]
    assert codes(inspectorate.get("/cases/?overdue=1")) == []
    html = inspectorate.get("/cases/?level=3").get_data(as_text=True)
    for field in ('name="q"', 'name="period"', 'name="status"', 'name="level"', 'name="category"', 'name="ward"',
                  'name="overdue"'):
        assert field in html, field


@pytest.mark.parametrize("query, field", [("status=lost", "status"), ("level=x", "level"), ("level=5", "level"),
                                          ("level=%C2%B2", "level"), ("level=%E2%91%A0", "level"),
                                          ("level=%D9%A3", "level"), ("period=later", "period")])
def test_a_filter_the_form_never_offers_is_a_clear_422(as_user, spread, query, field):
    response = as_user("ward").get(f"/cases/?{query}")  # "²", "①", "٣": digits to str.isdigit(), not levels
    assert response.status_code == 422
    assert field in response.get_data(as_text=True)
    export = as_user("ward").get(f"/cases/export.csv?{query}")
    assert export.status_code == 302 and "/cases/?" in export.headers["Location"]  # the list says what is wrong


def test_an_overdue_case_says_so_in_words_and_never_beside_a_green_countdown(as_user, drive, spread):
    intake = as_user("intake")
    row = row_of(intake.get("/cases/"), spread["ben_thanh"])
    assert "due-ok" in row and "Quá hạn" not in row
    drive.advance(hours=24, minutes=10)  # the timer worker escalates the level-1 cases
    page = intake.get("/cases/")
    row = row_of(page, spread["ben_thanh"])
    assert "overdue-badge" in row and "Quá hạn" in row and "due-overdue" in row
    assert "due-ok" not in row and "due-soon" not in row
    assert "0 giờ 10 phút" in text_of(page)
    assert "due-ok" in row_of(page, spread["level3"])  # the 72 h case still counts down
    assert codes(intake.get("/cases/?overdue=1")) == [spread["tan_dinh"], spread["ben_thanh"]]
    intake.post("/lang/en")
    assert "Overdue" in row_of(intake.get("/cases/"), spread["ben_thanh"])


def test_a_published_case_shows_how_long_handling_took_instead_of_a_countdown(as_user, drive, spread):
    drive.advance(hours=31)
    publish(drive, spread["ids"]["ben_thanh"], "ward")
    intake = as_user("intake")
    row = row_of(intake.get("/cases/"), spread["ben_thanh"])
    assert "xử lý trong 31 giờ — trễ 7 giờ" in row
    assert "due-badge" not in row and "overdue-badge" not in row
    intake.post("/lang/en")
    assert "handled in 31 hours — 7 hours late" in row_of(intake.get("/cases/"), spread["ben_thanh"])


def test_the_list_never_loads_a_workflow(as_user, spread, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the case list deserialized a workflow")
    monkeypatch.setattr(workflows, "loads", forbidden)
    for user in ("intake", "ward", "inspectorate", "police"):
        assert as_user(user).get("/cases/?overdue=1").status_code == 200


def test_open311_says_overdue_like_the_staff_pages(app, drive, spread):
    api = app.test_client()
    code = spread["ben_thanh"]

    def overdue() -> bool:
        (row,) = api.get(f"/open311/v2/requests/{code}.json").get_json()
        return row["overdue"]

    assert overdue() is False
    drive.advance(hours=24, minutes=1)
    assert overdue() is True
    assert "<overdue>true</overdue>" in api.get(f"/open311/v2/requests/{code}.xml").get_data(as_text=True)
    publish(drive, spread["ids"]["ben_thanh"], "ward")
    assert overdue() is False  # handled (late): the countdown has stopped
