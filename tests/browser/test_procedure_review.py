"""The quarterly review of the procedure in a real browser: the figures of the table are drawn on the diagram."""
from __future__ import annotations

from datetime import datetime

from engine import review_summary
from engine.settings import LOCAL_TZ
from tests.browser.staff import do_task, sign_in


def test_a_leader_sees_the_passes_and_waits_drawn_on_the_diagram(page, live_server, new_case, shot):
    case = new_case()
    do_task(live_server.factory, "intake", case.id, "screen", {"screening_outcome": "in_scope"})
    review_summary.catch_up(live_server.factory)  # what the timer worker does after its next sweep
    now = datetime.now(LOCAL_TZ)
    quarter = f"{now.year}-Q{(now.month - 1) // 3 + 1}"

    sign_in(page, "leader")
    with page.expect_navigation():
        page.click("nav a[href='/studio/review']")
    page.fill("#period", quarter)
    with page.expect_navigation():
        page.click("#review-filters button[type=submit]")
    page.wait_for_selector('.review-diagram[data-ready="1"]')
    screen = page.locator('.review-figures[data-element-id="screen"]')
    assert screen.locator('[data-kind="passes"]').inner_text() == "1"
    assert screen.locator('[data-kind="small"]').count() == 1  # one measured wait: a small sample
    assert page.locator('tr[data-element="screen"]').get_attribute("data-passes") == "1"
    shot(page, "procedure-review")
