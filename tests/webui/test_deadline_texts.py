"""Every deadline text comes from the procedure version: after deploying a version whose level 1 takes 12 hours,
the Classify options, the portal's home page and Open311's service_notice / expected_datetime say 12 hours."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest

from engine import versions
from engine.db import transaction
from tests.tables import set_deadline
from tests.webui.conftest import text_of
from webui.i18n import LOCAL_TZ

SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}


def deploy(factory, level_1: int = 12, screening: int = 4) -> None:
    bundle = set_deadline(versions.read_bundle(), 1, level_1)  # level 1's hours: a cell of the deadline table
    main = versions.main_file(bundle, bundle["process_id"])
    text = bundle["bpmn"][main]
    assert "screening_hours = 4" in text
    bundle["bpmn"][main] = text.replace("screening_hours = 4", f"screening_hours = {screening}")
    with transaction(factory) as session:
        versions.deploy(session, bundle, actor="tests", note="level 1 in 12 h")


@pytest.mark.parametrize(("language", "level_1", "level_2"), [
    ("vi", "Cấp 1 — UBND phường/xã xử lý — trong 12 giờ kể từ lúc tiếp nhận",
     "Cấp 2 — Thanh tra Sở xử lý — trong 48 giờ kể từ lúc tiếp nhận"),
    ("en", "Level 1 — ward People's Committee — within 12 hours from receipt",
     "Level 2 — Department Inspectorate — within 48 hours from receipt"),
])
def test_the_classify_options_name_the_deadlines_of_the_cases_version(as_user, drive, factory, language, level_1,
                                                                       level_2):
    deploy(factory)
    case_id = drive.report(ward="ward-tan-dinh")
    drive.do("intake", case_id, "screen", SCREEN_IN)
    intake = as_user("intake")
    if language == "en":
        intake.post("/lang/en")
    item = drive.task(case_id, "classify")
    page = html.unescape(text_of(intake.get(f"/cases/{case_id}/tasks/{item.task_id}")))
    assert level_1 in page and level_2 in page


def test_the_classify_form_is_prefilled_with_the_committee_of_the_reports_ward(as_user, drive):
    case_id = drive.report(ward="ward-tan-dinh")
    drive.do("intake", case_id, "screen", SCREEN_IN)
    page = as_user("intake").get(f"/cases/{case_id}/tasks/{drive.task(case_id, 'classify').task_id}").get_data(
        as_text=True)
    assert '<option value="ward-tan-dinh" selected>' in page
    assert 'name="unit_change_reason"' in page


def test_a_refused_classification_shows_the_rule_next_to_the_field(as_user, drive):
    case_id = drive.report(ward="ward-tan-dinh")
    drive.do("intake", case_id, "screen", SCREEN_IN)
    item = drive.task(case_id, "classify")
    response = as_user("intake").post(f"/cases/{case_id}/tasks/{item.task_id}",
                                      data={"level": "1", "handling_unit": "ward-ben-thanh"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-handling_unit-error"' in page and "UBND phường/xã nơi xảy ra vi phạm" in page
    assert drive.task_names(case_id) == ["classify"]


def test_the_portal_home_page_promises_the_active_versions_deadlines(browser, factory):
    before = text_of(browser.get("/"))
    assert "cấp độ 1 được xử lý trong vòng 24 giờ" in before and "trong vòng 4 giờ" in before
    deploy(factory, screening=2)
    after = text_of(browser.get("/"))
    assert "cấp độ 1 được xử lý trong vòng 12 giờ, cấp độ 2 trong vòng 48 giờ, cấp độ 3 trong vòng 72 giờ" in after
    assert "chuyển xử lý trong vòng 2 giờ" in after
    browser.post("/lang/en")
    assert "Level 1 reports are handled within 12 hours" in text_of(browser.get("/"))


def test_open311_notices_and_expected_time_follow_the_deployed_deadlines(browser, drive, factory, clock):
    deploy(factory)
    case_id = drive.report()
    code = drive.case(case_id).code
    [received] = browser.get(f"/open311/v2/requests/{code}.json").get_json()
    assert "12–72 giờ" in received["service_notice"] and "12–72 hours" in received["service_notice"]
    assert received["expected_datetime"] is None
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    [classified] = browser.get(f"/open311/v2/requests/{code}.json").get_json()
    assert "trong 12 giờ" in classified["service_notice"] and "within 12 hours" in classified["service_notice"]
    expected = drive.case(case_id).received_at + timedelta(hours=12)
    assert classified["expected_datetime"] == expected.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def test_deadline_hours_are_read_from_the_versions_table_and_scripts(factory):
    with transaction(factory) as session:
        original = versions.active_deadline_hours(session)
    assert (original.screening, original.levels) == (4, {1: 24, 2: 48, 3: 72})
    deploy(factory, level_1=12, screening=3)
    with transaction(factory) as session:
        changed = versions.active_deadline_hours(session)
    assert (changed.screening, changed.levels, changed.span()) == (3, {1: 12, 2: 48, 3: 72}, (12, 72))


def test_an_unscreened_report_shows_its_screening_deadline_on_the_case_page_and_in_the_inbox(as_user, drive):
    case_id = drive.report()
    drive.clock.advance(hours=1)
    intake = as_user("intake")
    case_page = intake.get(f"/cases/{case_id}").get_data(as_text=True)
    open_tasks = case_page.split('id="open-tasks"')[1].split("</section>")[0]
    assert '<span class="due-badge due-soon">3 giờ 00 phút</span>' in open_tasks  # 4 h from receipt, 1 h gone
    inbox = intake.get("/inbox/").get_data(as_text=True)
    assert "3 giờ 00 phút" in inbox
    drive.advance(hours=3, minutes=30)  # past the screening deadline: escalated
    case_page = intake.get(f"/cases/{case_id}").get_data(as_text=True)
    assert '<span class="due-badge due-overdue">quá hạn 0 giờ 30 phút</span>' in case_page
