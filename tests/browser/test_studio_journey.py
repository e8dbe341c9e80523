"""The process owner's journey in a real browser: open the studio, start a draft from the active version, change the
screening deadline from 4 to 3 hours in the script task with the modeler's properties panel, save ("last saved"
moves on), confirm what deploying does (no problems, the running cases stay on their version) and deploy. A
report received before keeps 4 hours; a report received after the deployment gets 3. The deployed draft is
read-only from then on. (The level deadlines are a decision table: tests/browser/test_decision_table_journey.py.)"""
from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from engine import inbox, studio, versions
from engine.db import transaction
from engine.models import Case
from engine.validation import validate_bundle
from tests.browser.staff import sign_in

PROCESS = versions.DEFAULT_PROCESS_ID
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def screening_time(factory, case_id: int) -> timedelta:
    """How long intake has to screen the report: the due time of its Screen task, from receipt."""
    with transaction(factory) as session:
        [screen] = [t for t in inbox.case_tasks(session, case_id) if t.task_name == "screen"]
        return screen.due_at - session.get(Case, case_id).received_at


def active_number(factory) -> int:
    with transaction(factory) as session:
        return versions.active_version(session).number


def draft_id_of(page) -> int:
    return int(page.url.split("/studio/drafts/")[1].split("?")[0])


def saved_at_local(factory, draft: int) -> str:
    """When the draft was last saved, as the indicator shows it (local time, to the minute)."""
    with transaction(factory) as session:
        return studio.get_draft(session, draft).updated_at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")


def test_owner_shortens_the_screening_deadline_in_the_modeler(page, live_server, new_case, shot):
    started_before = new_case().id
    first = active_number(live_server.factory)

    sign_in(page, "owner")
    page.click("#main-nav a[href='/studio/']")
    assert page.locator(f'#processes-table tr[data-process="{PROCESS}"]').count() == 1
    shot(page, "studio-processes")

    with page.expect_navigation():
        page.click(f'#processes-table a[href="/studio/{PROCESS}"]')
    active_row = page.locator(f'#versions-table tr[data-version="{first}"]')
    assert active_row.locator("#active-badge").count() == 1
    shot(page, "versions")

    with page.expect_navigation():
        active_row.locator("button[name=new-draft]").click()
    assert "/studio/drafts/" in page.url
    page.wait_for_selector('#modeler[data-ready="1"]')
    shot(page, "draft-editor")
    draft = draft_id_of(page)
    assert page.locator("#draft-state").get_attribute("data-state") == "editing"
    created_at = page.locator("#last-saved").get_attribute("data-saved-at")

    # select the script task that sets the screening deadline and edit its script in the properties panel
    page.click('[data-element-id="set_received"]')
    page.wait_for_selector("#prop-script", state="visible")
    assert page.locator("#prop-id").inner_text() == "set_received"
    script = page.input_value("#prop-script")
    assert "screening_hours = 4" in script
    page.fill("#prop-script", script.replace("screening_hours = 4", "screening_hours = 3"))
    shot(page, "script-edited")
    page.click("#prop-apply")
    page.wait_for_selector("#unsaved", state="visible")

    page.click("#save-draft")
    page.wait_for_selector("#editor-status.alert-success")
    assert page.locator("#problems li.list-group-item-danger").count() == 0
    assert page.locator("#last-saved").get_attribute("data-saved-at") != created_at  # updated without a reload
    assert saved_at_local(live_server.factory, draft) in page.locator("#last-saved").inner_text()
    shot(page, "draft-saved")

    # Deploy first shows what it will do: no problems, the running case stays on the active version
    page.fill("#deploy-note", "Sàng lọc: 3 giờ")
    page.click("#deploy-draft")
    dialog = page.locator("#deploy-dialog.show")
    dialog.locator("#confirm-deploy").wait_for()
    assert dialog.locator("#deploy-problems").get_attribute("data-count") == "0"
    with transaction(live_server.factory) as session:
        running = studio.running_cases(session, versions.active_version(session).id)
    assert running >= 1 and dialog.locator("#deploy-running").get_attribute("data-running") == str(running)
    assert dialog.locator('#changes-elements [data-element="set_received"]').count() == 1
    assert dialog.locator("#confirm-note").input_value() == "Sàng lọc: 3 giờ"
    assert active_number(live_server.factory) == first, "nothing is deployed before the confirmation"
    shot(page, "deploy-confirmation")
    with page.expect_navigation():
        dialog.locator("#confirm-deploy").click()
    assert page.url.endswith(f"/studio/{PROCESS}"), page.url
    second = active_number(live_server.factory)
    assert second == first + 1
    assert page.locator(f'#versions-table tr[data-version="{second}"] #active-badge').count() == 1
    assert page.locator(".alert-success").count() == 1
    assert page.locator(f'#drafts-table tr[data-draft="{draft}"]').get_attribute("data-state") == "deployed"
    shot(page, "deployed")

    # the deployed draft opens read-only, with the way to change it further
    page.goto(f"/studio/drafts/{draft}")
    page.wait_for_selector('#modeler[data-ready="1"]')
    assert page.locator("#draft-state").get_attribute("data-version") == str(second)
    assert page.locator("#save-draft").count() == 0 and page.locator("#deploy-form").count() == 0
    shot(page, "deployed-draft-read-only")
    with page.expect_navigation():
        page.click("#new-draft-from-deployed")
    assert draft_id_of(page) != draft
    assert page.locator("#draft-state").get_attribute("data-state") == "editing"
    page.goto(f"/studio/{PROCESS}")

    # the running case keeps its version's rule; a new case follows the new one
    started_after = new_case().id
    assert screening_time(live_server.factory, started_after) == timedelta(hours=3)
    assert screening_time(live_server.factory, started_before) == timedelta(hours=4)

    # what changed, and the audit log
    with page.expect_navigation():
        page.click("#compare-form button[type=submit]")
    assert page.locator('tr[data-element="set_received"][data-field="script"]').count() == 1
    shot(page, "diff")
    page.click("#studio-nav a[href='/studio/audit']")
    assert page.locator('#audit-table tr[data-kind="version_deployed"]', has_text="owner").count() == 1
    shot(page, "audit-log")
    page.go_back()
    page.go_back()

    # the new version's live view: the new case waits at "screen"
    with page.expect_navigation():
        page.locator(f'#versions-table tr[data-version="{second}"] a').first.click()  # "view"
    page.wait_for_selector('#live-diagram[data-ready="1"]')
    assert page.locator('.studio-counts[data-element-id="screen"] [data-kind="ok"]').inner_text() == "1"
    shot(page, "live-view")


def test_the_properties_panel_edits_timers_forms_and_conditions(page, live_server, shot):
    with transaction(live_server.factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session)).id
    sign_in(page, "owner")
    page.goto(f"/studio/drafts/{draft}")
    page.wait_for_selector('#modeler[data-ready="1"]')

    # a timer: the citizen has 5 days instead of 7 to answer
    page.click('[data-element-id="auto_close_timer"]')
    page.wait_for_selector("#prop-timer", state="visible")
    assert page.input_value("#prop-timer-kind") == "timeDuration"
    assert page.input_value("#prop-timer") == '"P7D"'
    shapes = page.locator('[data-element-id="auto_close_timer"]').count()
    page.press("#prop-timer", "Backspace")  # typing in the panel edits the text, never the diagram
    page.press("#prop-timer", "Delete")
    assert page.locator('[data-element-id="auto_close_timer"]').count() == shapes > 0
    page.fill("#prop-timer", '"P5D"')
    page.click("#prop-apply")

    # a form that does not exist: saving shows the problem in the list and on the diagram
    page.click('[data-element-id="screen"]')
    page.wait_for_selector("#prop-form-name", state="visible")
    assert page.input_value("#prop-form-name") == "screen.json"
    page.fill("#prop-form-name", "no_such_form.json")
    page.click("#prop-apply")
    page.click("#save-draft")
    page.wait_for_selector("#editor-status.alert-warning")
    assert "no_such_form.json" in page.locator('#problems li[data-element-id="screen"]').inner_text()
    assert page.locator('.djs-element.studio-problem[data-element-id="screen"]').count() == 1
    assert "no_such_form.json" in page.locator(".studio-problem-badge").first.inner_text()
    shot(page, "problem-on-the-diagram")

    page.click('#problems li[data-element-id="screen"]')  # selects the element it names
    page.wait_for_function("document.getElementById('prop-id').textContent === 'screen'")
    page.fill("#prop-form-name", "screen.json")
    page.click("#prop-apply")

    # a condition, through its flow's label (first a click on empty canvas: no context pad in the way)
    page.locator("#modeler").click(position={"x": 6, "y": 594})
    page.wait_for_selector("#prop-form", state="hidden")
    page.click('[data-element-id="flow_gw_screening_to_classify_label"]')
    page.wait_for_selector("#prop-condition", state="visible")
    assert page.input_value("#prop-condition") == 'screening_outcome == "in_scope"'
    page.fill("#prop-condition", 'screening_outcome in ("in_scope",)')
    page.click("#prop-apply")
    page.click("#validate-draft")
    page.wait_for_selector("#editor-status.alert-success")
    page.click("#save-draft")
    page.wait_for_selector("#editor-status.alert-success")
    assert page.locator(".studio-problem-badge").count() == 0
    shot(page, "saved-without-problems")

    with transaction(live_server.factory) as session:
        saved = studio.get_draft(session, draft)
        xml = versions.main_diagram(saved)
        assert validate_bundle(saved.bundle) == []
    assert '"P5D"' in xml and '"P7D"' not in xml
    assert 'screening_outcome in ("in_scope",)' in xml or "screening_outcome in (&quot;in_scope&quot;,)" in xml
    assert 'value="screen.json"' in xml

    # meanwhile the draft is deployed (from another tab): a further save is refused, says why and keeps the edit
    with transaction(live_server.factory) as session:
        number = studio.deploy_draft(session, "owner", studio.get_draft(session, draft)).number
    last_saved = page.locator("#last-saved").inner_text()
    page.click('[data-element-id="auto_close_timer"]')
    page.wait_for_selector("#prop-timer", state="visible")
    page.fill("#prop-timer", '"P3D"')
    page.click("#prop-apply")
    page.click("#save-draft")
    page.wait_for_selector("#editor-status.alert-danger")
    assert f"phiên bản {number}" in page.locator("#editor-status").inner_text()
    assert page.locator("#status-new-draft button").inner_text() == f"Bản nháp mới từ phiên bản {number}"
    assert page.locator("#unsaved").is_visible() and page.input_value("#prop-timer") == '"P3D"'
    assert page.locator("#draft-state").inner_text() == f"đã triển khai thành phiên bản {number}"
    assert page.locator("#last-saved").inner_text() == last_saved
    shot(page, "save-refused-after-deploy")
    refused = [a for a in page.watch.failed_assets if a.startswith("409 fetch") and f"/drafts/{draft}/diagram" in a]
    assert len(refused) == 1
    page.watch.failed_assets.remove(refused[0])  # the refusal this test caused, not a broken page


def test_a_form_is_edited_with_a_live_preview(page, live_server, shot):
    with transaction(live_server.factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session)).id
    sign_in(page, "owner")
    page.goto(f"/studio/drafts/{draft}/forms")
    with page.expect_navigation():
        page.click('#forms-table tr[data-form="screen"] a')
    assert page.locator("#form-preview-body #preview-screening_outcome").count() == 1
    shot(page, "form-editor")

    schema = json.loads(page.input_value("#schema"))
    page.fill("#schema", "{ not json")
    page.wait_for_selector("#preview-error")
    shot(page, "preview-of-invalid-json")

    schema["properties"]["site_visited"] = {"type": "boolean", "title": "Đã đến hiện trường"}
    page.fill("#schema", json.dumps(schema, ensure_ascii=False, indent=2))
    page.wait_for_selector("#form-preview-body #preview-site_visited")
    assert "Đã đến hiện trường" in page.locator("#form-preview").inner_text()
    shot(page, "preview-with-new-field")

    with page.expect_navigation():
        page.click("#save-form")
    assert page.url.endswith(f"/studio/drafts/{draft}/forms"), page.url
    with transaction(live_server.factory) as session:
        assert "site_visited" in studio.get_draft(session, draft).bundle["forms"]["screen"]["properties"]
