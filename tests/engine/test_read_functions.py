"""Pages read through engine functions that apply the reader's scope: another unit's case file, the account list
and the studio's drafts are refused to those who may not see them."""
from __future__ import annotations

import pytest

from engine import admin_reads, casefile, inbox, studio_reads
from engine.actors import Actor
from engine.db import transaction
from engine.errors import Conflict, PermissionDenied
from tests.casedriver import CaseDriver
from tests.factories import statements

ADMIN = Actor("admin", frozenset({"admin"}))
OWNER = Actor("owner", frozenset({"process_owner"}))
INTAKE = Actor("intake", frozenset({"intake"}), "rrt")
OTHER_WARD = Actor("ward-x", frozenset({"handling_unit"}), "ward-sai-gon")


@pytest.fixture
def drive(factory, clock) -> CaseDriver:
    return CaseDriver(factory, clock)


def test_the_case_file_has_the_open_task_and_the_timeline_for_intake(drive, factory):
    case_id = drive.report(ward="ward-ben-thanh")
    with transaction(factory) as session:
        found = casefile.case_file(session, INTAKE, case_id)
        assert [t.task_name for t in found.tasks] == ["screen"]
        assert found.events and found.case.id == case_id


def test_another_units_case_file_is_refused(drive, factory):
    case_id = drive.report(ward="ward-ben-thanh")
    with transaction(factory) as session, pytest.raises(PermissionDenied):
        casefile.case_file(session, OTHER_WARD, case_id)


def test_a_task_completed_meanwhile_is_a_conflict_naming_the_case(drive, factory):
    case_id = drive.report(ward="ward-ben-thanh")
    item = drive.task(case_id, "screen")
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    with transaction(factory) as session, pytest.raises(Conflict) as refused:
        casefile.fresh_task_page(session, INTAKE, case_id, item.task_id)
    assert refused.value.case_id == case_id and refused.value.row_version == drive.case(case_id).row_version


def test_a_cases_first_task_page_is_one_statement_without_history(drive, factory, db_engine):
    case_id = drive.report(ward="ward-ben-thanh")
    item = drive.task(case_id, "screen")
    with transaction(factory) as session, statements(db_engine) as sent:
        page = casefile.task_page(session, INTAKE, case_id, item.task_id)
    assert page.item.task_name == "screen" and page.events == [] and page.people == {}
    assert len(sent) == 1


def test_a_later_task_page_has_the_earlier_steps_it_shows_with_who_did_them(drive, factory):
    case_id = drive.report(ward="ward-ben-thanh")
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})  # not an earlier step it shows
    with transaction(factory) as session:
        assert casefile.task_page(session, INTAKE, case_id, drive.task(case_id, "classify").task_id).events == []
    drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    item = drive.task(case_id, "start_handling")
    with transaction(factory) as session:
        page = casefile.task_page(session, drive.actor("inspectorate"), case_id, item.task_id)
    assert [(e.kind, e.task_name, e.actor) for e in page.events] == [("task_completed", "classify", "intake")]
    assert list(page.people) == ["intake"]  # the full name of who classified it


def test_only_administrators_list_accounts(factory):
    with transaction(factory) as session:
        assert "admin" in [u.username for u in admin_reads.users(session, ADMIN)]
        with pytest.raises(PermissionDenied):
            admin_reads.users(session, INTAKE)


def test_only_process_owners_read_the_studio(factory):
    with transaction(factory) as session:
        assert studio_reads.drafts(session, OWNER, "rapid_response") == []
        with pytest.raises(PermissionDenied):
            studio_reads.change_log(session, INTAKE, ["version_deployed"], 10)


def test_colleagues_are_offered_to_supervisors_only(factory):
    with transaction(factory) as session:
        assert inbox.colleagues(session, INTAKE) == {}
        chief = Actor("chief", frozenset({"supervisor"}), "inspectorate")
        people = inbox.colleagues(session, chief)
        assert people and all(unit == "inspectorate" for _role, unit in people)
