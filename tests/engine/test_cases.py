"""Bad input never changes a case: each mistake is a clear, typed error."""
from __future__ import annotations

import pytest

from engine import cases
from engine.actors import Actor
from engine.db import transaction
from engine.errors import Conflict, NotFound, PermissionDenied, ValidationError


@pytest.fixture
def screened(create_case):
    return create_case(at="classify", ward="ward-sai-gon")  # so level 1 goes to UBND phường Sài Gòn


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


def reassign(drive, supervisor, case_id, task, username):
    with transaction(drive.factory) as session:
        return cases.assign_task(session, supervisor, case_id, task.task_id, username).claimed_by


def test_a_supervisor_reassigns_and_releases_only_its_own_units_tasks(drive):
    chief = drive.actor("chief")  # supervisor of the inspectorate
    own, other = drive.report(), drive.report()
    for case_id, unit in ((own, "inspectorate"), (other, "ward-ben-thanh")):
        drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
        drive.do("intake", case_id, "classify", {"level": 2 if unit == "inspectorate" else 1, "handling_unit": unit})
    mine = drive.task(own, "start_handling")
    assert reassign(drive, chief, own, mine, "inspectorate") == "inspectorate"
    assert reassign(drive, chief, own, mine, None) is None
    theirs = drive.task(other, "start_handling")
    for username in ("ward", None):
        with pytest.raises(PermissionDenied):
            reassign(drive, chief, other, theirs, username)
    assert drive.task(other, "start_handling").claimed_by is None


def test_a_supervisor_cannot_touch_intake_or_inspector_tasks_outside_its_roles(drive, screened):
    """Tasks of no unit (intake, inspector) belong to their role: a unit's supervisor may not release or give
    them away, even though they carry no unit."""
    task = drive.task(screened, "classify")
    with transaction(drive.factory) as session:
        cases.claim_task(session, drive.actor("intake"), screened, task.task_id)
    chief = drive.actor("chief")
    for username in (None, "intake"):
        with pytest.raises(PermissionDenied):
            reassign(drive, chief, screened, task, username)
    assert drive.task(screened, "classify").claimed_by == "intake"


def test_a_supervisor_holding_the_tasks_role_acts_on_cases_it_may_see(drive, screened):
    task = drive.task(screened, "classify")
    lead = Actor("intake-lead", frozenset({"intake", "supervisor"}), "rrt")
    assert reassign(drive, lead, screened, task, "intake") == "intake"
    assert reassign(drive, lead, screened, task, None) is None


@pytest.mark.parametrize("reference", ["²", "①", "١٢"])
def test_a_case_reference_in_other_digits_is_not_found_not_a_crash(drive, reference):
    with transaction(drive.factory) as session, pytest.raises(NotFound):
        cases.get_case_by_id_or_code(session, reference)
