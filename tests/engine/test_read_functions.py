"""Pages read through engine functions that apply the reader's scope: another unit's case file, the account list
and the studio's drafts are refused to those who may not see them."""
from __future__ import annotations

import pytest

from engine import admin_reads, casefile, inbox, studio_reads
from engine.actors import Actor
from engine.db import transaction
from engine.errors import Conflict, PermissionDenied
from tests.casedriver import CaseDriver

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
