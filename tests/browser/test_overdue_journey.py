"""The overdue states in a real browser: a level-1 case counts down in the ward's case list, is escalated by the
timer worker at its deadline (badge "Quá hạn" in the list, the inbox's overdue tab, the case header in red,
leadership's review page),
and once its result is published the header says how long handling took and by how much it was late.

The engine clock (which SpiffWorkflow's timers read too) is frozen for this test, in the same process as the
live server, so the deadline passes without waiting a day.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine import timers
from engine.clock import FrozenClock, use_clock
from tests.browser.staff import do_task, sign_in, sign_out, submit_report

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
RESULT = {"findings": "Cơ sở tiêm filler không phép", "measures": ["fine"], "fine_amount": 10000000,
          "citizen_summary": "Đã xử phạt 10 triệu đồng."}


def test_overdue_shows_in_the_list_the_inbox_and_the_case_header_until_the_result_is_published(
        page, live_server, shot):
    factory = live_server.factory
    with use_clock(FrozenClock(START)) as clock:
        case = submit_report(factory)
        do_task(factory, "intake", case.id, "screen", {"screening_outcome": "in_scope"})
        do_task(factory, "intake", case.id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})

        # the ward's own case list: the 24 h countdown runs
        sign_in(page, "ward")
        page.goto("/cases/")
        row = page.locator(f'#cases-table tr[data-case-code="{case.code}"]')
        assert row.count() == 1, "the ward does not list its case"
        assert row.locator(".due-ok").count() == 1 and row.locator(".overdue-badge").count() == 0
        shot(page, "ward-case-list-counting-down")

        # 25 h later the timer worker escalates the case
        clock.set(START + timedelta(hours=25))
        assert timers.run_once(factory).fired >= 1
        page.goto("/cases/")
        row = page.locator(f'#cases-table tr[data-case-code="{case.code}"]')
        assert row.locator(".overdue-badge").inner_text().strip() == "Quá hạn"
        assert row.locator(".due-overdue").inner_text().strip() == "quá hạn 1 giờ 00 phút"
        assert row.locator(".due-ok, .due-soon").count() == 0
        shot(page, "ward-case-list-overdue")

        page.goto("/inbox/")
        assert page.locator('[data-count="overdue"]').inner_text().strip() == "1"
        page.goto("/inbox/?overdue=1")
        inbox_row = page.locator(f'#inbox-table tr[data-case-code="{case.code}"]')
        assert inbox_row.count() == 1 and inbox_row.get_attribute("data-overdue") == "1"
        assert "Quá hạn" in inbox_row.inner_text()
        shot(page, "ward-inbox-overdue-tab")

        page.goto(f"/cases/{case.id}")
        assert page.locator("#overdue-badge").inner_text().strip() == "Quá hạn"
        assert "due-overdue" in page.locator("#countdown").get_attribute("class")
        shot(page, "case-header-overdue")
        sign_out(page)

        # leadership sees the escalation in its overdue tab too; its review says how late the case is, and asks
        # for a unit only once "reassign" is chosen
        sign_in(page, "leader")
        assert page.locator('[data-count="overdue"]').inner_text().strip() == "1"
        page.locator(f'#inbox-table tr[data-case-code="{case.code}"] button[name="claim"]').click()
        page.wait_for_url("**/tasks/**")
        assert page.locator("#case-overdue").inner_text().strip() == "hồ sơ đã quá hạn 1 giờ 00 phút"
        unit = page.locator("#f-reassign_to")
        assert not unit.is_visible()
        page.get_by_label("Chuyển đơn vị xử lý khác").check()
        assert unit.is_visible() and unit.is_enabled()
        shot(page, "leader-review-overdue-reassigning")
        sign_out(page)

        # the result is published 31 h after receipt: the countdown stops, the header says it was 7 h late
        clock.set(START + timedelta(hours=31))
        do_task(factory, "ward", case.id, "start_handling", {"handling_plan": "Kiểm tra"})
        do_task(factory, "ward", case.id, "enter_result", RESULT)
        do_task(factory, "inspector", case.id, "verify_result", {"verification": "accept"})
        sign_in(page, "ward")
        page.goto(f"/cases/{case.id}")
        assert page.locator("#handled-in").inner_text().strip() == "xử lý trong 31 giờ — trễ 7 giờ"
        assert page.locator("#countdown").count() == 0 and page.locator("#overdue-badge").count() == 0
        shot(page, "case-header-handled-late")
        page.goto("/cases/")
        row = page.locator(f'#cases-table tr[data-case-code="{case.code}"]')
        assert row.locator(".handled-late").inner_text().strip() == "xử lý trong 31 giờ — trễ 7 giờ"
        assert row.locator(".overdue-badge").count() == 0
        shot(page, "ward-case-list-handled")
