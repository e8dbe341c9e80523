"""The deadline and routing rules live in decision tables beside the diagram (processes/bpmn/*.dmn): changing level
1 to 12 hours is a table edit that applies to new cases while running cases keep their version's table; level-1
cases go to the People's Committee of the report's ward as the routing table says; a table cell is evaluated by
the restricted evaluator only."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import studio, versions
from engine.db import transaction
from engine.errors import ProcessError, ValidationError
from engine.functions import RULE_MESSAGES
from engine.validation import validate_bundle
from tests.casedriver import CaseDriver
from tests.tables import DEADLINES, ROUTING, set_cell, set_deadline

SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}
WARDS = ("ward-ben-thanh", "ward-tan-dinh", "ward-sai-gon")


@pytest.fixture
def drive(factory, clock) -> CaseDriver:
    return CaseDriver(factory, clock)


def deploy(factory, bundle) -> int:
    with transaction(factory) as session:
        return studio.deploy_bundle(session, "owner", bundle, "table edit").number


def screened(drive: CaseDriver, ward: str = "ward-ben-thanh") -> int:
    case_id = drive.report(ward=ward)
    drive.do("intake", case_id, "screen", SCREEN_IN)
    return case_id


def hours_to_deadline(drive: CaseDriver, case_id: int) -> float:
    case = drive.case(case_id)
    return (case.deadline_at - case.received_at) / timedelta(hours=1)


def test_the_tables_ship_with_the_diagram_and_give_24_48_72_hours(factory):
    bundle = versions.read_bundle()
    assert sorted(bundle["dmn"]) == [DEADLINES, ROUTING]
    assert validate_bundle(bundle) == []
    with transaction(factory) as session:
        hours = versions.active_deadline_hours(session)
    assert hours.levels == {1: 24, 2: 48, 3: 72}


def test_level_1_changed_to_12_hours_applies_to_new_cases_while_running_cases_keep_24(drive, factory):
    classified_before = screened(drive)
    drive.do("intake", classified_before, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    reported_before = screened(drive)
    assert deploy(factory, set_deadline(versions.read_bundle(), 1, 12)) == 2

    drive.do("intake", reported_before, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    new_case = screened(drive)
    drive.do("intake", new_case, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    assert hours_to_deadline(drive, new_case) == 12
    assert hours_to_deadline(drive, classified_before) == 24
    assert hours_to_deadline(drive, reported_before) == 24  # its version's table, though classified after
    assert drive.case(reported_before).process_version.number == 1

    drive.advance(hours=12, minutes=1)  # the diagram's timers use the table's hours
    assert "review_overdue" in drive.task_names(new_case)
    assert "review_overdue" not in drive.task_names(reported_before)
    drive.advance(hours=12)
    assert "review_overdue" in drive.task_names(reported_before)


def test_the_reminder_comes_the_tables_hours_before_the_deadline(drive, factory):
    deploy(factory, set_deadline(versions.read_bundle(), 2, 36, reminder=6))
    case_id = screened(drive)
    drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    assert hours_to_deadline(drive, case_id) == 36
    drive.advance(hours=29)
    assert ("reminder", "handling_unit") not in drive.notifications(case_id)
    drive.advance(hours=1, minutes=1)
    assert ("reminder", "handling_unit") in drive.notifications(case_id)


@pytest.mark.parametrize("ward", WARDS)
def test_a_level_1_case_goes_to_the_committee_of_its_ward(drive, ward):
    case_id = screened(drive, ward)
    case = drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": ward})
    assert (case.level, case.handling_unit) == (1, ward)
    assert drive.task(case_id, "start_handling").unit == ward


@pytest.mark.parametrize(("ward", "other"), [("ward-sai-gon", "ward-tan-dinh"), ("ward-tan-dinh", "inspectorate")])
def test_a_level_1_case_sent_to_another_unit_without_a_reason_is_refused(drive, ward, other):
    case_id = screened(drive, ward)
    with pytest.raises(ValidationError) as refused:
        drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": other})
    assert refused.value.errors == {"handling_unit": RULE_MESSAGES["ward_committee_for_level_1"]}
    assert drive.task_names(case_id) == ["classify"]


def test_the_routing_table_decides_which_unit_the_rule_expects(drive, factory):
    """If the owner routes level 2 to the report's ward in the table, the classification rule follows it."""
    deploy(factory, set_cell(versions.read_bundle(), ROUTING, "routing_level_2", 0, 'report["ward"]'))
    case_id = screened(drive, "ward-sai-gon")
    with pytest.raises(ValidationError) as refused:
        drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    assert refused.value.errors == {"handling_unit": RULE_MESSAGES["inspectorate_for_levels_2_3"]}
    case = drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "ward-sai-gon"})
    assert (case.level, case.handling_unit) == (2, "ward-sai-gon")


def test_a_hostile_cell_never_runs_even_in_a_version_that_skipped_validation(drive, factory, tmp_path: Path):
    marker = tmp_path / "ran"
    hostile = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    bundle = set_cell(versions.read_bundle(), DEADLINES, "deadline_level_1", 0, hostile)
    assert any(p.element_id == "deadline_level_1" for p in validate_bundle(bundle))
    with transaction(factory) as session:
        versions.deploy(session, bundle, actor="tests")  # stored without the studio's checks
    case_id = screened(drive)
    with pytest.raises(ProcessError):
        drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    assert not marker.exists()
    assert drive.task_names(case_id) == ["classify"]
