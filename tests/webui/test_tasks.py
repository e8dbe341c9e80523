"""Task pages: the form from the task's JSON Schema, server-side validation with errors next to the fields,
and stale pages answered with a clear message."""
from __future__ import annotations

import pytest
from sqlalchemy import event


@pytest.fixture
def screened(create_case):
    return create_case(at="classify")


def url(item) -> str:
    return f"/cases/{item.case_id}/tasks/{item.task_id}"


def test_the_form_has_a_field_per_schema_property(as_user, drive, screened):
    html = as_user("intake").get(url(drive.task(screened, "classify"))).get_data(as_text=True)
    for name in ("level", "handling_unit", "agencies", "classification_note"):
        assert f'name="{name}"' in html
    assert "Phường Bến Thành" in html  # units offered as choices


def test_submitting_a_valid_form_completes_the_task(as_user, drive, screened):
    item = drive.task(screened, "classify")
    response = as_user("intake").post(url(item), data={"level": "2", "handling_unit": "inspectorate",
                                                        "row_version": drive.case(screened).row_version})
    assert response.status_code == 302
    assert drive.task_names(screened) == ["start_handling"]
    assert drive.case(screened).level == 2


def test_a_submission_reads_the_case_and_its_document_once(as_user, drive, screened, db_engine):
    item, statements = drive.task(screened, "classify"), []
    client, version = as_user("intake"), drive.case(screened).row_version

    def record(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db_engine, "before_cursor_execute", record)
    try:
        response = client.post(url(item), data={"level": "2", "handling_unit": "inspectorate",
                                                "row_version": version})
    finally:
        event.remove(db_engine, "before_cursor_execute", record)
    assert response.status_code == 302
    case_reads = [s for s in statements if s.lstrip().startswith("SELECT") and "FROM cases" in s]
    assert len(case_reads) == 1, [s[:300] for s in case_reads]
    assert "workflow_json" in case_reads[0]  # the task check's load serves the step
    assert drive.task_names(screened) == ["start_handling"] and drive.case(screened).level == 2


def test_invalid_input_comes_back_with_errors_next_to_the_fields_and_input_kept(as_user, drive, screened):
    item = drive.task(screened, "classify")
    response = as_user("intake").post(url(item), data={"level": "3", "handling_unit": "inspectorate",
                                                        "classification_note": "Ghi chú <b>giữ lại</b>"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-agencies-error"' in html  # level 3 needs agencies
    assert "Ghi chú &lt;b&gt;giữ lại&lt;/b&gt;" in html
    assert drive.task_names(screened) == ["classify"]  # nothing changed


def test_a_non_number_is_refused_per_field(as_user, drive, screened):
    response = as_user("intake").post(url(drive.task(screened, "classify")),
                                      data={"level": "two", "handling_unit": "inspectorate"})
    assert response.status_code == 422
    assert 'id="f-level-error"' in response.get_data(as_text=True)


def test_a_stale_page_gets_a_conflict_message_not_an_error(as_user, drive, screened):
    item = drive.task(screened, "classify")
    old_version = drive.case(screened).row_version
    as_user("intake").post(f"/cases/{screened}/notes", data={"body": "đang xem"})  # does not change the case row
    drive.do("intake", screened, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    response = as_user("intake").post(url(item), data={"level": "2", "handling_unit": "inspectorate",
                                                        "row_version": old_version})
    assert response.status_code == 409  # the task is gone: a clear conflict, nothing saved
    assert 'id="error-message"' in response.get_data(as_text=True)
    assert drive.case(screened).level == 1
    assert as_user("intake").get(url(item)).status_code == 302  # an old link leads to the case instead


@pytest.mark.parametrize("version", ["abc", "-1", "1e3", "٣"])
def test_a_row_version_that_is_not_a_number_is_refused_not_ignored(as_user, drive, screened, version):
    response = as_user("intake").post(url(drive.task(screened, "classify")), data={
        "level": "1", "handling_unit": "ward-ben-thanh", "row_version": version})
    assert response.status_code == 400 and "row_version" in response.get_data(as_text=True)
    assert drive.task_names(screened) == ["classify"]  # nothing saved


def test_a_changed_case_while_the_form_was_open_is_a_409_with_input_kept(as_user, drive):
    case_id = drive.report(ward="ward-sai-gon")
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 3, "handling_unit": "inspectorate",
                                             "agencies": ["police", "market-mgmt"]})
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kế hoạch"})
    police = drive.task(case_id, "acknowledge_request", unit="police")
    before = drive.case(case_id).row_version
    drive.do("market", case_id, "acknowledge_request", {"acknowledged_by": "Bà B"}, unit="market-mgmt")
    response = as_user("police").post(url(police), data={"acknowledged_by": "Ông A", "row_version": before})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="conflict"' in html and 'value="Ông A"' in html


def test_someone_elses_task_is_refused(as_user, drive, screened):
    assert as_user("ward").get(url(drive.task(screened, "classify"))).status_code == 403
    assert as_user("ward").post(url(drive.task(screened, "classify")),
                                data={"level": "1", "handling_unit": "ward-ben-thanh"}).status_code == 403


def test_a_task_claimed_by_a_colleague_cannot_be_completed(app, as_user, drive, screened):
    from engine.accounts import save_user

    item = drive.task(screened, "classify")
    as_user("intake").post("/inbox/claim", data={"case_id": screened, "task_id": item.task_id})
    with drive.factory() as session:
        save_user(session, "tests", username="intake2", display_name="Intake 2", roles=["intake"], unit="rrt",
                  password="password-2")
        session.commit()
    colleague = as_user("intake2", "password-2")
    response = colleague.post(url(item), data={"level": "2", "handling_unit": "inspectorate"})
    assert response.status_code == 403
    assert drive.task_names(screened) == ["classify"]


def test_an_unknown_task_sends_the_user_back_with_an_explanation(as_user, screened):
    intake = as_user("intake")
    response = intake.get(f"/cases/{screened}/tasks/no-such-task")
    assert response.status_code == 302
    page = intake.get(response.headers["Location"])
    assert page.status_code == 200
    assert "alert-warning" in page.get_data(as_text=True)


def test_the_result_form_shows_each_agencys_findings_from_the_earlier_steps(as_user, drive):
    case_id = drive.report(ward="ward-sai-gon")
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 3, "handling_unit": "inspectorate",
                                             "agencies": ["police", "market-mgmt"]})
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    for user, unit, finding in (("police", "police", "Đã lập biên bản"), ("market", "market-mgmt", "Thu giữ hàng")):
        drive.do(user, case_id, "acknowledge_request", {"acknowledged_by": user}, unit=unit)
        drive.do(user, case_id, "contribute_findings", {"agency_findings": finding, "urgent_phone_contact": False},
                 unit=unit)
    drive.do("inspectorate", case_id, "coordinate", {"action": "finish"})
    html = as_user("inspectorate").get(url(drive.task(case_id, "enter_result"))).get_data(as_text=True)
    assert 'id="earlier-work"' in html
    assert html.count('data-task="contribute_findings"') == 2
    assert "Đã lập biên bản" in html and "Thu giữ hàng" in html
