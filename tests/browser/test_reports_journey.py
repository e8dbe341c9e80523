"""Leadership's reports in a real browser: the dashboard with its charts, a number drilled down to the cases behind
it, and the weekly briefing downloaded as XLSX and read back with openpyxl (the same numbers as the page)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from engine.clock import FrozenClock, use_clock
from tests.browser.staff import do_task, sign_in, submit_report

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 08:00 in Ho Chi Minh City, week 2026-W48


def test_leader_opens_the_dashboard_drills_down_and_downloads_the_weekly_xlsx(page, live_server, shot, tmp_path):
    factory = live_server.factory
    with use_clock(FrozenClock(START)) as clock:
        first = submit_report(factory, facility_name="Spa Ánh Dương")
        clock.advance(hours=2)
        do_task(factory, "intake", first.id, "screen", {"screening_outcome": "in_scope"})
        do_task(factory, "intake", first.id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
        clock.set(START + timedelta(hours=5))
        second = submit_report(factory, facility_name="Phòng khám Minh Tâm")

    sign_in(page, "leader")
    with page.expect_navigation(wait_until="load"):  # the menu leads to the dashboard (its charts loaded)
        page.click("text=Báo cáo")
    page.goto("/reports/?period=2026-W48")
    received = page.locator('[data-figure="received"] a')
    assert received.inner_text().strip() == "2"
    page.wait_for_function("() => document.querySelectorAll('canvas.report-chart').length === 4 && "
                           "[...document.querySelectorAll('canvas.report-chart')].every(c => window.Chart.getChart(c))")
    assert page.locator('[data-figure="screening.median"]').inner_text().strip() == "2,0 giờ"
    # the bars of the categories: a long name is shortened with "…" to fit beside its bar, never cut off
    full, shown, overflow = page.evaluate("""() => {
        const c = window.Chart.getChart(document.querySelector('canvas[data-horizontal]')), y = c.scales.y;
        c.ctx.font = window.Chart.helpers.toFont(y.options.ticks.font).string;
        const widest = Math.max(...y.ticks.map(t => c.ctx.measureText(t.label).width));
        return [c.data.labels, y.ticks.map(t => t.label), widest - (y.right - y.left)]; }""")
    assert overflow <= 0, f"the widest name is {overflow:.0f} px wider than its axis"
    assert any(label != name for name, label in zip(full, shown, strict=True))  # the test's names are long
    for name, label in zip(full, shown, strict=True):
        assert label == name or (label.endswith("…") and name.startswith(label[:-1]))
    assert page.locator(".small-sample").count() > 0  # one case screened: a small sample
    shot(page, "dashboard")

    with page.expect_navigation():
        received.click()
    listed = {page.locator("#drill-cases tbody tr").nth(i).get_attribute("data-case-code")
              for i in range(page.locator("#drill-cases tbody tr").count())}
    assert listed == {first.code, second.code}
    shot(page, "drill-down-received")
    with page.expect_navigation():
        page.click(f'#drill-cases a:text("{first.code}")')
    assert page.url.endswith(f"/cases/{first.id}")

    page.goto("/reports/weekly/2026-W48")
    assert page.locator("#briefing-title").inner_text().strip() == "BÁO CÁO TUẦN 48/2026"
    on_page = int(page.locator('#briefing-figures [data-figure="received"]').inner_text())
    shot(page, "weekly-briefing")
    page.emulate_media(media="print")
    assert page.locator("nav.navbar").is_hidden()  # the print stylesheet leaves out the menus
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    target = tmp_path / "week.xlsx"
    download.value.save_as(target)
    book = load_workbook(target)
    figures = {row[1]: row[2] for row in book.worksheets[0].iter_rows(values_only=True) if row and len(row) > 2}
    assert figures["Số phản ánh tiếp nhận"] == on_page == 2
    assert figures["Thời gian sàng lọc — trung vị"] == 2
