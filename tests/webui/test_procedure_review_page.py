"""The quarterly review of the procedure at /studio/review: the figures per step as a table (and, through
static/procedure-review.js, on the diagram), two versions side by side, clear errors for bad parameters."""
from __future__ import annotations

import copy
import re

import pytest

from engine import review_summary, versions
from engine.db import transaction
from tests.factories import RESULT


@pytest.fixture
def reworked(drive, app):
    """A level-2 case whose first result the inspector sent back (November 2026: 2026-Q4)."""
    case = drive.report()
    drive.clock.advance(hours=1)
    drive.do("intake", case, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case, "classify", {"level": 2, "handling_unit": "inspectorate"})
    drive.do("inspectorate", case, "start_handling", {"handling_plan": "Kiểm tra"})
    drive.clock.advance(hours=3)
    drive.do("inspectorate", case, "enter_result", RESULT)
    drive.do("inspector", case, "verify_result", {"verification": "reject", "verification_comment": "Thiếu ảnh"})
    drive.do("inspectorate", case, "enter_result", RESULT)
    drive.advance(seconds=1)  # the timer worker's sweep adds the steps to the review's summary
    return case


def test_steps_of_the_last_seconds_are_announced_until_the_worker_counts_them(as_user, drive, app):
    case = drive.report()
    drive.do("intake", case, "screen", {"screening_outcome": "in_scope"})
    page = as_user("owner").get("/studio/review?period=2026-Q4").get_data(as_text=True)
    assert 'id="review-pending"' in page and "chưa được tính" in page
    assert 'data-passes="0"' in _row(page, "screen")
    assert review_summary.catch_up(drive.factory) >= 2  # the report's and the screening's events
    page = as_user("owner").get("/studio/review?period=2026-Q4").get_data(as_text=True)
    assert 'id="review-pending"' not in page and 'data-passes="1"' in _row(page, "screen")


def _row(page: str, element: str) -> str:
    match = re.search(rf'<tr data-element="{element}"[^>]*>', page)
    assert match, f"no row for {element}"
    return match.group(0)


def test_the_review_shows_each_step_with_its_figures_in_vietnamese(as_user, reworked):
    response = as_user("owner").get("/studio/review?period=2026-Q4")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rà soát quy trình" in page and "Phiên bản" in page
    assert 'data-passes="2"' in _row(page, "enter_result") and 'data-p90="3.0"' in _row(page, "enter_result")
    assert 'data-passes="1"' in _row(page, "verify_result")
    assert 'data-kind="timer"' in _row(page, "escalation_timer")
    assert re.search(r'data-rework="verification_rejected"><td>[^<]+</td><td class="text-end">1</td>'
                     r'<td class="text-end">1</td>', page)
    assert "procedure-review.js" in page and "<script>" not in page


def test_the_review_in_english_for_leadership_and_inspectors(as_user, reworked):
    leader = as_user("leader")
    leader.post("/lang/en")
    page = leader.get("/studio/review?period=2026-W48").get_data(as_text=True)
    assert "Review of the procedure" in page and "Median wait (h)" in page
    assert 'data-passes="2"' in _row(page, "enter_result")
    assert as_user("inspector").get("/studio/review?period=2026-Q4").status_code == 200
    assert 'data-passes="2"' in _row(leader.get("/studio/review?period=2026-w48").get_data(as_text=True),
                                     "enter_result")  # written in lower case, as the reports take it
    assert leader.get("/studio/review?period=٢٠٢٦-W48").status_code == 400  # ASCII digits only


def test_two_versions_side_by_side(as_user, reworked, factory):
    with transaction(factory) as session:
        bundle = copy.deepcopy(versions.active_version(session).bundle)
        bundle["bpmn"]["rapid_response.bpmn"] = bundle["bpmn"]["rapid_response.bpmn"].replace(
            'name="Nhập kết quả xử lý / Enter result"', 'name="Nhập kết quả (bản 2) / Enter result (v2)"')
        versions.deploy(session, bundle, actor="owner")
    page = as_user("owner").get("/studio/review?period=2026-Q4&version=1&compare=2").get_data(as_text=True)
    assert 'id="review-1"' in page and 'id="review-2"' in page
    second = page[page.index('id="review-2"'):]
    assert 'data-passes="0"' in _row(second, "enter_result")  # no case ran on version 2
    diagram = as_user("owner").get("/studio/review/diagram/2.bpmn")
    assert diagram.status_code == 200 and "Nhập kết quả (bản 2)".encode() in diagram.data  # in the page's language
    assert b"Enter result (v2)" not in diagram.data


@pytest.mark.parametrize(("query", "status", "message"), [
    ("period=2026-Q5", 400, "Kỳ báo cáo phải là một quý"),
    ("period=2026-Q4&version=abc", 400, "phải là số phiên bản"),
    ("period=2026-Q4&version=99", 404, "Không có phiên bản này"),
    ("period=" + "9" * 50, 400, "Kỳ báo cáo phải là một quý"),
])
def test_bad_parameters_get_a_clear_message_and_the_form(as_user, query, status, message):
    response = as_user("owner").get(f"/studio/review?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in page and 'id="review-filters"' in page


def test_the_diagram_of_a_version_that_does_not_exist_is_a_404_in_the_pages_language(as_user):
    response = as_user("owner").get("/studio/review/diagram/99.bpmn")
    assert response.status_code == 404 and "Không có phiên bản quy trình 99" in response.get_data(as_text=True)
