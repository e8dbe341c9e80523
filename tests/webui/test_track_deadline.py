"""The /track page follows the same notion of overdue as the staff pages: a countdown while handling runs, "overdue"
once the deadline has passed, and after publication how long handling took instead of a countdown — also while a
dispute is reviewed."""
from __future__ import annotations

import re

from tests.webui.conftest import text_of

SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}
RESULT = {"findings": "Đã kiểm tra", "measures": ["warning"], "citizen_summary": "Cơ sở đã bị nhắc nhở"}


def deadline_text(browser, drive, case_id: int) -> str:
    html = browser.get(f"/track?code={drive.case(case_id).code}").get_data(as_text=True)
    if 'id="track-deadline"' not in html:
        return ""
    return text_of_fragment(html.split('id="track-deadline"')[1].split("</p>")[0])


def text_of_fragment(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", ">" + html).split()).lstrip("> ")


def test_track_counts_down_then_says_overdue_then_how_long_handling_took(browser, drive):
    case_id = drive.report()
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    running = deadline_text(browser, drive, case_id)
    assert running.startswith("Hạn xử lý") and "2 ngày 0 giờ" in running  # a countdown to the 48 h deadline
    assert "quá hạn" not in running
    drive.advance(hours=49)  # past the 48 h deadline: the diagram escalates
    assert "quá hạn" in deadline_text(browser, drive, case_id)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    drive.do("inspectorate", case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", {"verification": "accept"})
    handled = deadline_text(browser, drive, case_id)
    assert "xử lý trong 49 giờ" in handled and "trễ 1 giờ" in handled
    drive.clock.advance(days=2)
    assert deadline_text(browser, drive, case_id) == handled  # the clock stopped at publication


def test_a_disputed_case_shows_the_handling_time_not_a_countdown_to_the_old_deadline(browser, drive):
    case_id = drive.report()
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    drive.clock.advance(hours=10)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    drive.do("inspectorate", case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", {"verification": "accept"})
    code = drive.case(case_id).code
    response = browser.post("/track/feedback", data={"code": code, "resolved": "false", "rating": "1"})
    assert response.status_code in (302, 303)
    assert drive.case(case_id).status == "disputed"
    drive.clock.advance(hours=60)  # later than the first deadline (48 h from receipt)
    text = deadline_text(browser, drive, case_id)
    assert "xử lý trong 10 giờ — đúng hạn" in text
    assert "quá hạn" not in text
    assert text_of(browser.get(f"/track?code={code}"))  # the page itself renders
