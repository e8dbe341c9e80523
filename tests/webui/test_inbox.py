"""The inbox: each user sees the tasks of their role and unit, with filters, counts, deadlines and claims."""
from __future__ import annotations

import re

import pytest

from engine import workflows


def codes(response) -> list[str]:
    return re.findall(r'data-case-code="([^"]+)"', response.get_data(as_text=True))


@pytest.fixture
def two_wards(drive, create_case):
    """Level-1 cases at two different wards, one level-3 case with the police and a level-2 case in handling."""
    ids = {ward: create_case(1, ward=ward) for ward in ("ward-ben-thanh", "ward-tan-dinh")}
    l3 = drive.report()
    drive.do("intake", l3, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", l3, "classify", {"level": 3, "handling_unit": "inspectorate", "agencies": ["police"]})
    drive.do("inspectorate", l3, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    ids["level3"] = l3
    ids["level2"] = create_case(2, at="enter_result")
    return ids


def test_a_ward_sees_only_its_own_wards_cases(as_user, drive, two_wards):
    page = as_user("ward").get("/inbox/")
    assert codes(page) == [drive.case(two_wards["ward-ben-thanh"]).code]


def test_a_coordinator_sees_only_cases_their_agency_was_invited_to(as_user, drive, two_wards):
    assert codes(as_user("police").get("/inbox/")) == [drive.case(two_wards["level3"]).code]
    assert codes(as_user("labour").get("/inbox/")) == []


def test_rows_show_category_ward_level_task_and_time_left(as_user, drive, two_wards):
    html = as_user("ward").get("/inbox/").get_data(as_text=True)
    assert "Level 1" in html or "Cấp" in html
    assert "Phường Bến Thành" in html
    assert "due-ok" in html  # 24 h left: neither amber nor red


def test_deadline_colours_turn_amber_then_red(as_user, drive, two_wards):
    drive.clock.advance(hours=21)
    assert "due-soon" in as_user("ward").get("/inbox/").get_data(as_text=True)
    drive.clock.advance(hours=4)
    html = as_user("ward").get("/inbox/").get_data(as_text=True)
    assert "due-overdue" in html


def test_rows_are_sorted_by_time_to_deadline(as_user, drive):
    first = drive.report()
    drive.clock.advance(hours=1)
    second = drive.report()
    page = as_user("intake").get("/inbox/?sort=due")
    assert codes(page) == [drive.case(first).code, drive.case(second).code]


def test_filters_by_level_overdue_claim_and_code(as_user, drive, two_wards):
    intake = as_user("intake")
    new = drive.report()
    code = drive.case(new).code
    assert codes(intake.get(f"/inbox/?q={code[:5]}")) == [code]
    inspectorate = as_user("inspectorate")
    level2_code = drive.case(two_wards["level2"]).code
    assert codes(inspectorate.get("/inbox/?level=2")) == [level2_code]
    assert codes(inspectorate.get("/inbox/?level=1")) == []
    assert codes(inspectorate.get("/inbox/?overdue=1")) == []
    assert codes(inspectorate.get("/inbox/?claim=mine")) == []
    task = drive.task(two_wards["level2"], "enter_result")
    inspectorate.post("/inbox/claim", data={"case_id": task.case_id, "task_id": task.task_id})
    assert codes(inspectorate.get("/inbox/?claim=mine")) == [level2_code]
    assert level2_code not in codes(inspectorate.get("/inbox/?claim=unclaimed"))
    drive.clock.advance(hours=49)
    assert codes(inspectorate.get("/inbox/?overdue=1")) == [level2_code]


def test_queue_counts(as_user, drive, two_wards):
    html = as_user("ward").get("/inbox/").get_data(as_text=True)
    assert re.search(r'data-count="all">1<', html)
    assert re.search(r'data-count="overdue">0<', html)


def test_claim_then_release(as_user, drive, two_wards):
    ward = as_user("ward")
    task = drive.task(two_wards["ward-ben-thanh"], "start_handling")
    response = ward.post("/inbox/claim", data={"case_id": task.case_id, "task_id": task.task_id})
    assert response.status_code == 302
    assert drive.task(task.case_id, "start_handling").claimed_by == "ward"
    ward.post("/inbox/unclaim", data={"case_id": task.case_id, "task_id": task.task_id})
    assert drive.task(task.case_id, "start_handling").claimed_by is None


def test_claiming_a_task_someone_else_holds_is_a_conflict(as_user, drive, two_wards):
    task = drive.task(two_wards["level2"], "enter_result")
    as_user("inspectorate").post("/inbox/claim", data={"case_id": task.case_id, "task_id": task.task_id})
    response = as_user("chief").post("/inbox/claim", data={"case_id": task.case_id, "task_id": task.task_id})
    assert response.status_code == 409
    assert "inspectorate" in response.get_data(as_text=True)


def test_a_supervisor_reassigns_within_the_unit(as_user, drive, two_wards):
    task = drive.task(two_wards["level2"], "enter_result")
    chief = as_user("chief")
    assert 'action="/inbox/assign"' in chief.get("/inbox/").get_data(as_text=True)
    response = chief.post("/inbox/assign", data={"case_id": task.case_id, "task_id": task.task_id,
                                                 "username": "inspectorate"})
    assert response.status_code == 302
    assert drive.task(task.case_id, "enter_result").claimed_by == "inspectorate"
    assert "task_assigned" in drive.events(task.case_id)
    # a ward user cannot be given an inspectorate task
    refused = chief.post("/inbox/assign", data={"case_id": task.case_id, "task_id": task.task_id, "username": "ward"})
    assert refused.status_code == 422


def test_only_supervisors_reassign(as_user, drive, two_wards):
    task = drive.task(two_wards["level2"], "enter_result")
    response = as_user("inspectorate").post("/inbox/assign", data={"case_id": task.case_id, "task_id": task.task_id,
                                                                   "username": "chief"})
    assert response.status_code == 403


def test_bad_claim_requests_get_clear_errors(as_user, two_wards):
    intake = as_user("intake")
    assert intake.post("/inbox/claim", data={"case_id": "x", "task_id": "y"}).status_code == 422
    assert intake.post("/inbox/claim", data={"case_id": "1", "task_id": "nope"}).status_code == 404


def test_rendering_an_inbox_never_loads_a_workflow(as_user, drive, two_wards, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the inbox deserialized a workflow")
    monkeypatch.setattr(workflows, "loads", forbidden)
    for user in ("intake", "ward", "inspectorate", "police"):
        assert as_user(user).get("/inbox/").status_code == 200


def test_htmx_filter_requests_get_only_the_rows(as_user, two_wards):
    response = as_user("ward").get("/inbox/?level=1", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<table" in html and "<nav" not in html


def overdue_count(response) -> int:
    return int(re.search(r'data-count="overdue">(\d+)<', response.get_data(as_text=True)).group(1))


def test_an_escalated_case_is_in_the_overdue_tab_of_the_unit_and_of_leadership(as_user, drive, two_wards):
    code = drive.case(two_wards["ward-ben-thanh"]).code
    ward, leader = as_user("ward"), as_user("leader")
    assert overdue_count(ward.get("/inbox/")) == overdue_count(leader.get("/inbox/")) == 0
    drive.advance(hours=24, minutes=1)  # the timer worker escalates both level-1 cases
    assert drive.case(two_wards["ward-ben-thanh"]).overdue
    assert overdue_count(ward.get("/inbox/")) == 1
    assert codes(ward.get("/inbox/?overdue=1")) == [code]
    assert overdue_count(leader.get("/inbox/")) == 2  # "Review overdue case" of each, which has no deadline itself
    page = leader.get("/inbox/?overdue=1")
    assert sorted(codes(page)) == sorted([code, drive.case(two_wards["ward-tan-dinh"]).code])
    html = page.get_data(as_text=True)
    assert html.count("overdue-badge") == 2 and "Quá hạn" in html and "due-ok" not in html


def test_an_overdue_row_says_so_in_words(as_user, drive, two_wards):
    drive.advance(hours=24, minutes=30)
    ward = as_user("ward")
    row = re.search(r'<tr data-case-code=.*?</tr>', ward.get("/inbox/").get_data(as_text=True), re.DOTALL).group(0)
    assert 'data-overdue="1"' in row and "Quá hạn" in row and "0 giờ 30 phút" in row
    ward.post("/lang/en")
    assert "Overdue" in ward.get("/inbox/").get_data(as_text=True)


def test_a_late_acknowledgement_is_in_the_agencys_overdue_tab(as_user, drive, two_wards):
    police = as_user("police")
    assert overdue_count(police.get("/inbox/")) == 0
    drive.advance(hours=4, minutes=1)  # the agency's own 4 h; the case's 72 h still run
    assert not drive.case(two_wards["level3"]).overdue
    assert overdue_count(police.get("/inbox/")) == 1
    assert codes(police.get("/inbox/?overdue=1")) == [drive.case(two_wards["level3"]).code]


@pytest.mark.parametrize("elsewhere", ["//evil.example/", "/\t/evil.example/", "/\\evil.example/",
                                       "https://evil.example/", "/inbox/" + "x" * 5000])
def test_claiming_returns_to_a_page_of_this_site_only(as_user, drive, elsewhere):
    case_id = drive.report()
    task = drive.task(case_id, "screen")
    intake = as_user("intake")
    back = intake.post("/inbox/claim", data={"case_id": case_id, "task_id": task.task_id, "next": "/cases/"})
    assert back.headers["Location"] == "/cases/"
    intake.post("/inbox/unclaim", data={"case_id": case_id, "task_id": task.task_id})
    refused = intake.post("/inbox/claim", data={"case_id": case_id, "task_id": task.task_id, "next": elsewhere})
    assert refused.status_code == 302 and refused.headers["Location"] == "/inbox/"
