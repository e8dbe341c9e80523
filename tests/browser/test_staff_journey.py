"""The staff journey in a real browser: intake signs in, classifies a report as level 2, inspectorate staff claim
and complete, the inspector verifies; the case page then shows the published result and the diagram."""
from __future__ import annotations

from sqlalchemy import select

from engine.db import transaction
from engine.models import Case
from tests.browser.staff import claim, complete, sign_in, sign_out


def case_status(factory, case_id: int) -> str:
    with transaction(factory) as session:
        return session.scalar(select(Case.status).where(Case.id == case_id))


def test_level_2_case_from_intake_to_published_result(page, live_server, new_case, shot):
    case = new_case()

    # intake: screen the report ("in scope"), then classify it as level 2 for the inspectorate
    sign_in(page, "intake")
    row = page.locator(f'tr[data-case-code="{case.code}"]')
    assert row.count() == 1, f"{case.code} is not in the intake inbox"
    shot(page, "intake-inbox")
    claim(page, case.code, "screen")
    page.check("#f-screening_outcome")  # the first radio: in_scope
    assert page.locator("#f-screening_outcome").get_attribute("value") == "in_scope"
    shot(page, "screen-form")
    complete(page)
    shot(page, "intake-inbox-after-screening")

    claim(page, case.code, "classify")
    page.check("#f-level-1")  # radios: level 1, 2 (index 1), 3
    assert page.locator("#f-level-1").get_attribute("value") == "2"
    page.select_option("#f-handling_unit", "inspectorate")
    page.fill("#f-classification_note", "Cơ sở không phép, chuyển Thanh tra Sở.")
    shot(page, "classify-form")
    complete(page)
    sign_out(page)
    shot(page, "signed-out")

    # inspectorate: start handling, then enter the result
    sign_in(page, "inspectorate")
    shot(page, "inspectorate-inbox")
    claim(page, case.code, "start_handling")
    page.fill("#f-handling_plan", "Kiểm tra đột xuất cơ sở trong ngày mai.")
    shot(page, "start-handling-form")
    complete(page)

    claim(page, case.code, "enter_result")
    page.fill("#f-findings", "Cơ sở tiêm filler không có giấy phép hoạt động.")
    page.check("#f-measures")  # warning
    page.check("#f-measures-2")  # suspension
    page.fill("#f-citizen_summary", "Cơ sở đã bị đình chỉ hoạt động. Cảm ơn anh/chị đã phản ánh.")
    shot(page, "enter-result-form")
    complete(page)
    sign_out(page)

    # inspector: accept the result, which publishes it to the citizen
    sign_in(page, "inspector")
    claim(page, case.code, "verify_result")
    page.check("#f-verification")  # accept
    assert page.locator("#f-verification").get_attribute("value") == "accept"
    page.fill("#f-verification_comment", "Đạt yêu cầu.")
    shot(page, "verify-result-form")
    complete(page)
    shot(page, "inspector-inbox-after-verification")

    # the case page: published result, its timeline entry, and the diagram drawn by bpmn-js
    page.goto(f"/cases/{case.id}")
    assert case_status(live_server.factory, case.id) == "result_published"
    assert page.locator("#case-status").inner_text().strip() == live_server.status_label("result_published")
    assert page.locator('#timeline li[data-kind="result_published"]').count() >= 1
    page.wait_for_selector('#diagram[data-ready="1"]')
    assert page.locator("#diagram svg .djs-element.bpmn-done").count() > 0, "no step of the path shown as done"
    assert page.locator("#diagram svg .djs-element.bpmn-active").count() > 0, "the citizen's rating not shown as now"
    shot(page, "case-page-published")
    shot(page.locator("#diagram"), "diagram")

    assert not page.watch.server_errors, page.watch.server_errors
    assert all(status < 500 for status, _ in page.watch.responses)


def test_form_errors_shown_next_to_the_field_with_the_input_kept(page, live_server, new_case, shot):
    case = new_case()
    sign_in(page, "intake")
    claim(page, case.code, "screen")
    page.check("#f-screening_outcome")
    complete(page)

    claim(page, case.code, "classify")
    task_url = page.url
    note = "Cần phối hợp liên ngành — ghi chú thử."
    page.check("#f-level-2")  # level 3, but no coordinating agency chosen
    assert page.locator("#f-level-2").get_attribute("value") == "3"
    page.select_option("#f-handling_unit", "inspectorate")
    page.fill("#f-classification_note", note)
    with page.expect_navigation():
        page.click("#complete-task")

    assert page.url == task_url, "a refused form must stay on the task page"
    assert page.locator("#form-errors").is_visible()
    assert page.locator("#f-agencies-error").is_visible()
    assert page.locator("#f-agencies-error").inner_text().strip()
    assert page.locator("#f-classification_note").input_value() == note
    assert page.locator("#f-level-2").is_checked()
    assert page.locator("#f-handling_unit").input_value() == "inspectorate"
    shot(page, "classify-errors")
    assert case_status(live_server.factory, case.id) != "result_published"
    assert (422, task_url) in page.watch.responses
