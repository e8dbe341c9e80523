"""The process owner's journey in a real browser: start a draft, open the deadline decision table in the studio's
table editor (dmn-js), change level 1 from 24 to 12 hours, save, deploy the draft (diagram and tables as one
version, accepting a confirmation if one is asked). A new case gets 12 hours; a case running on the earlier
version keeps 24."""
from __future__ import annotations

from datetime import timedelta

from engine import studio, versions
from engine.db import transaction
from tests.browser.staff import do_task, sign_in

PROCESS = versions.DEFAULT_PROCESS_ID
LEVEL_1_HOURS = '#dmn-editor td[data-element-id="deadline_level_1_sla"]'


def classify_level_1(factory, case_id: int) -> timedelta:
    do_task(factory, "intake", case_id, "screen", {"screening_outcome": "in_scope"})
    case = do_task(factory, "intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    return case.deadline_at - case.received_at


def active_number(factory) -> int:
    with transaction(factory) as session:
        return versions.active_version(session).number


def deploy_from_the_draft_page(page) -> None:
    """Click Deploy, check the confirmation the studio shows (no problems, the running cases stay on their
    version) and confirm it."""
    page.click("#deploy-draft")
    dialog = page.locator("#deploy-dialog.show")
    dialog.locator("#confirm-deploy").wait_for()
    assert dialog.locator("#deploy-problems").get_attribute("data-count") == "0"
    with page.expect_navigation():
        dialog.locator("#confirm-deploy").click()


def test_owner_changes_the_level_1_deadline_in_the_decision_table(page, live_server, new_case, shot):
    running = new_case().id
    first = active_number(live_server.factory)

    sign_in(page, "owner")
    page.goto(f"/studio/{PROCESS}")
    with page.expect_navigation():
        page.locator(f'#versions-table tr[data-version="{first}"] button[name=new-draft]').click()
    draft_url = page.url
    page.wait_for_selector('#modeler[data-ready="1"]')

    with page.expect_navigation():
        page.click('#draft-tables a[href$="file=deadlines.dmn"]')
    page.wait_for_selector('#dmn-editor[data-ready="1"]')
    assert page.locator(LEVEL_1_HOURS).inner_text().strip() == "24"
    shot(page, "deadline-table")

    page.click(LEVEL_1_HOURS)
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    page.click("#dmn-editor h1, #dmn-editor .tjs-table-name, #dmn-editor thead th >> nth=0")  # leave the cell
    page.wait_for_selector("#unsaved", state="visible")
    assert page.locator(LEVEL_1_HOURS).inner_text().strip() == "12"
    page.click("#validate-table")
    page.wait_for_selector("#editor-status.alert-success")
    page.click("#save-table")
    page.wait_for_selector("#editor-status.alert-success")
    assert page.locator("#problems li.list-group-item-danger").count() == 0
    shot(page, "level-1-in-12-hours")
    with transaction(live_server.factory) as session:
        draft = studio.get_draft(session, int(draft_url.rsplit("/", 1)[1]))
        assert '<text>12</text>' in draft.bundle["dmn"]["deadlines.dmn"]

    with page.expect_navigation():
        page.click("#back-to-draft")
    page.wait_for_selector('#modeler[data-ready="1"]')
    page.fill("#deploy-note", "Cấp độ 1: 12 giờ (bảng quyết định)")
    deploy_from_the_draft_page(page)
    assert page.url.endswith(f"/studio/{PROCESS}"), page.url
    second = active_number(live_server.factory)
    assert second == first + 1
    shot(page, "deployed")

    assert classify_level_1(live_server.factory, new_case().id) == timedelta(hours=12)
    assert classify_level_1(live_server.factory, running) == timedelta(hours=24)  # its version's table

    with page.expect_navigation():
        page.click("#compare-form button[type=submit]")
    row = page.locator('#table-changes tr[data-rule="deadline_level_1"]')
    assert "24" in row.locator(".diff-before").inner_text() and "12" in row.locator(".diff-after").inner_text()
    shot(page, "diff-of-the-table")
