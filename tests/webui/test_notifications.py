"""The notifications page says what and which: per case (code, facility, level), the task, the time left or
how late it is, and a link to the task (or the case when no task is open for the reader)."""
from __future__ import annotations

import re

from tests.webui.conftest import text_of

SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}


def classify(drive, case_id: int, level: int, unit: str) -> None:
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": level, "handling_unit": unit, "classification_note": "x"})


def sections(html: str) -> list[str]:
    return re.findall(r'<section class="card mb-3 notification-case" data-case="([A-Z0-9-]+)"', html)


def test_a_new_task_notification_names_the_case_facility_level_task_and_time_left(drive, as_user):
    case_id = drive.report(facility_name="Thẩm mỹ viện Ánh Dương")
    drive.clock.advance(hours=1, minutes=30)
    classify(drive, case_id, 1, "ward-ben-thanh")
    case, task = drive.case(case_id), drive.task(case_id, "start_handling")
    hours_left, minutes_left = divmod(int((task.due_at - drive.clock.now()).total_seconds() // 60), 60)

    response = as_user("ward").get("/notifications/")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), text_of(response)
    assert sections(html) == [case.code]
    assert "Thẩm mỹ viện Ánh Dương" in text and "Cấp độ 1" in text
    assert "Công việc mới : Tiếp nhận xử lý (Phường Bến Thành)" in text
    assert f"còn {hours_left} giờ {minutes_left:02d} phút" in text
    assert f'href="/cases/{case_id}/tasks/{task.task_id}"' in html


def test_an_escalation_says_how_late_the_case_is_and_links_to_leaderships_task(drive, as_user):
    case_id = drive.report()
    classify(drive, case_id, 1, "ward-ben-thanh")
    deadline = drive.case(case_id).deadline_at
    drive.clock.set(deadline)
    drive.advance(hours=2, minutes=5)
    review = drive.task(case_id, "review_overdue")

    response = as_user("leader").get("/notifications/")
    html, text = response.get_data(as_text=True), text_of(response)
    assert 'data-kind="escalation"' in html
    assert "quá hạn 2 giờ 05 phút" in text
    assert f'href="/cases/{case_id}/tasks/{review.task_id}"' in html


def test_notifications_are_grouped_per_case_newest_case_first_and_done_tasks_link_to_the_case(drive, as_user):
    first = drive.report(facility_name="Spa Một")
    classify(drive, first, 1, "ward-ben-thanh")
    drive.clock.advance(hours=1)
    second = drive.report(facility_name="Spa Hai")
    classify(drive, second, 1, "ward-ben-thanh")
    drive.clock.advance(minutes=10)
    drive.do("ward", first, "start_handling", {"handling_plan": "Kiểm tra"})  # announces Enter result
    codes = [drive.case(first).code, drive.case(second).code]

    html = as_user("ward").get("/notifications/").get_data(as_text=True)
    assert sections(html) == codes  # the first case has the newest notification
    first_section = html.split('data-case="')[1]
    assert first_section.count('data-kind="assignment"') == 2 and "Spa Một" in first_section
    enter = drive.task(first, "enter_result")
    assert f'href="/cases/{first}/tasks/{enter.task_id}"' in first_section
    # the Start handling notification: that task is done, so it links to the case
    assert first_section.count(f'href="/cases/{first}"') >= 1


def test_a_task_of_an_overdue_case_says_so_beside_its_own_time_left(drive, as_user):
    """Leadership's review of an overdue case has its own time left; its page also says how late the case is,
    as the inbox row that led there does."""
    case_id = drive.report()
    classify(drive, case_id, 1, "ward-ben-thanh")
    drive.clock.set(drive.case(case_id).deadline_at)
    drive.advance(hours=2, minutes=5)
    review = drive.task(case_id, "review_overdue")
    leader = as_user("leader")

    page = leader.get(f"/cases/{case_id}/tasks/{review.task_id}")
    assert 'id="case-overdue"' in page.get_data(as_text=True)
    assert "hồ sơ đã quá hạn 2 giờ 05 phút" in text_of(page)
    leader.post("/lang/en")
    assert "the case is overdue by 2h 05m" in text_of(leader.get(f"/cases/{case_id}/tasks/{review.task_id}"))

    ward_task = drive.task(case_id, "start_handling")  # its own deadline is the case's: said once, not twice
    ward_page = as_user("ward").get(f"/cases/{case_id}/tasks/{ward_task.task_id}").get_data(as_text=True)
    assert 'id="case-overdue"' not in ward_page and "due-overdue" in ward_page
