"""Bad input never changes a case: each mistake is a clear, typed error."""
from __future__ import annotations

import pytest

from engine import cases
from engine.db import transaction
from engine.errors import Conflict, NotFound, PermissionDenied, ValidationError
from engine.inbox import Actor
from tests.casedriver import CaseDriver


@pytest.fixture
def drive(factory, clock) -> CaseDriver:
    return CaseDriver(factory, clock)


@pytest.fixture
def screened(drive):
    case_id = drive.report(ward="ward-sai-gon")  # so level 1 goes to UBND phường Sài Gòn
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    return case_id


def attempt(drive, actor, case_id, task_id, data, expected_version=None):
    with transaction(drive.factory) as session:
        cases.complete_task(session, actor, case_id, task_id, data, expected_version)


def unchanged(drive, case_id, before):
    after = drive.case(case_id)
    assert (after.row_version, after.workflow_json, after.status) == (before.row_version, before.workflow_json,
                                                                      before.status)
    assert drive.task_names(case_id) == ["classify"]


def test_form_data_that_violates_the_schema_is_refused_field_by_field(drive, screened):
    before = drive.case(screened)
    task = drive.task(screened, "classify")
    with pytest.raises(ValidationError) as err:
        attempt(drive, drive.actor("intake"), screened, task.task_id, {"level": 7, "unexpected": "x"})
    assert "level" in err.value.errors
    assert "handling_unit" in err.value.errors
    unchanged(drive, screened, before)


def test_level_3_without_agencies_is_refused(drive, screened):
    task = drive.task(screened, "classify")
    with pytest.raises(ValidationError) as err:
        attempt(drive, drive.actor("intake"), screened, task.task_id,
                {"level": 3, "handling_unit": "inspectorate", "agencies": []})
    assert err.value.errors


def test_completing_another_roles_task_is_forbidden(drive, screened):
    before = drive.case(screened)
    task = drive.task(screened, "classify")
    with pytest.raises(PermissionDenied):
        attempt(drive, drive.actor("inspector"), screened, task.task_id, {"level": 1, "handling_unit": "ward-sai-gon"})
    unchanged(drive, screened, before)


def test_a_unit_cannot_complete_another_units_task(drive, screened):
    drive.do("intake", screened, "classify", {"level": 1, "handling_unit": "ward-sai-gon"})
    task = drive.task(screened, "start_handling")
    with pytest.raises(PermissionDenied):
        attempt(drive, drive.actor("ward"), screened, task.task_id, {"handling_plan": "x"})
    assert drive.task_names(screened) == ["start_handling"]


def test_a_stale_page_gets_a_conflict(drive, screened):
    before = drive.case(screened)
    task = drive.task(screened, "classify")
    with pytest.raises(Conflict):
        attempt(drive, drive.actor("intake"), screened, task.task_id, {"level": 1, "handling_unit": "ward-sai-gon"},
                expected_version=before.row_version - 1)
    unchanged(drive, screened, before)


def test_a_task_completed_by_someone_else_meanwhile_is_a_conflict_or_gone(drive, screened):
    task = drive.task(screened, "classify")
    version = drive.case(screened).row_version
    attempt(drive, drive.actor("intake"), screened, task.task_id, {"level": 1, "handling_unit": "ward-sai-gon"},
            expected_version=version)
    with pytest.raises((Conflict, NotFound)):
        attempt(drive, drive.actor("intake"), screened, task.task_id, {"level": 2, "handling_unit": "inspectorate"},
                expected_version=version)
    assert drive.case(screened).level == 1


@pytest.mark.parametrize("task_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_task_id_is_not_found(drive, screened, task_id):
    before = drive.case(screened)
    with pytest.raises(NotFound):
        attempt(drive, drive.actor("intake"), screened, task_id, {"level": 1, "handling_unit": "ward-sai-gon"})
    unchanged(drive, screened, before)


def test_an_unknown_case_is_not_found(drive):
    with pytest.raises(NotFound):
        attempt(drive, drive.actor("intake"), 999999, "x", {})


def test_a_task_claimed_by_a_colleague_cannot_be_completed(drive, screened):
    task = drive.task(screened, "classify")
    colleague = Actor("intake2", frozenset({"intake"}))
    with transaction(drive.factory) as session:
        cases.claim_task(session, colleague, screened, task.task_id)
    with pytest.raises(PermissionDenied):
        attempt(drive, drive.actor("intake"), screened, task.task_id, {"level": 1, "handling_unit": "ward-sai-gon"})
    with transaction(drive.factory) as session, pytest.raises(Conflict):
        cases.claim_task(session, drive.actor("intake"), screened, task.task_id)
    assert drive.task(screened, "classify").claimed_by == "intake2"


def test_an_invalid_report_opens_no_case(drive):
    with transaction(drive.factory) as session, pytest.raises(ValidationError) as err:
        cases.submit_report(session, {"category": "nonsense", "description": ""})
    assert {"category", "description", "address", "ward"} <= set(err.value.errors)


def test_only_the_reporter_can_answer_the_citizen_task(drive):
    from tests.engine.test_scenarios import publish

    case_id = publish(drive)
    task = drive.task(case_id, "citizen_feedback")
    with pytest.raises(PermissionDenied):
        attempt(drive, Actor.citizen("AAAAA-AAAAA"), case_id, task.task_id, {"resolved": True, "rating": 5})
    assert drive.task_names(case_id) == ["citizen_feedback"]


def test_tracking_codes_are_long_and_unambiguous():
    codes = {cases.new_tracking_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code.replace("-", "")) == 10
        assert not set(code) & set("0O1IL5S2Z8B")
