"""The report's milestones on the case row (screened_at, handling_started_at): written with the event that marks
them, and filled from the event log for older cases — the figures are the same either way (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from engine import report_milestones, reports
from engine.actors import Actor
from engine.db import transaction
from engine.models import Case
from engine.models_report import AgencyAnswer
from engine.report_periods import parse_period
from tests.reportdata import AT_HOURS, at, build_week

LEADER = Actor("leader", frozenset({"leadership"}))
WEEK = parse_period("2026-W48")


@pytest.fixture
def week(drive):
    return build_week(drive)


def _milestones(factory) -> dict[int, tuple]:
    with transaction(factory) as session:
        return {row.id: (row.screened_at, row.handling_started_at)
                for row in session.execute(select(Case.id, Case.screened_at, Case.handling_started_at))}


def _answers(factory) -> list[tuple]:
    with transaction(factory) as session:
        return sorted(session.execute(select(AgencyAnswer.case_id, AgencyAnswer.task_name, AgencyAnswer.agency,
                                             AgencyAnswer.at, AgencyAnswer.started_at)).tuples())


def _report(factory):
    with transaction(factory) as session:
        return reports.report(session, LEADER, WEEK, at=at(AT_HOURS))


def test_the_first_screening_and_start_of_handling_are_kept_on_the_case(factory, week):
    found = _milestones(factory)
    assert found[week["A"]] == (at(1), at(1))  # start_handling right after classification, same instant
    assert found[week["I"]] == (at(41), at(42))
    assert found[week["G"]] == (at(55), None)  # out of scope: never handled
    assert found[week["C"]][0] == at(4.5)  # reopened at 32: the first start of handling stays
    assert found[week["C"]][1] == at(4.5)


def test_each_agency_answer_is_kept_with_the_start_of_handling(factory, week):
    case = week["I"]
    assert _answers(factory) == [(case, "acknowledge_request", "market-mgmt", at(47), at(42)),
                                 (case, "acknowledge_request", "police", at(44), at(42)),
                                 (case, "contribute_findings", "police", at(60), at(42))]


def test_the_backfill_from_the_event_log_gives_the_same_figures_as_recording_on_write(factory, week):
    recorded, answers, figures = _milestones(factory), _answers(factory), _report(factory)
    with transaction(factory) as session:
        session.execute(update(Case).values(screened_at=None, handling_started_at=None))
        session.execute(delete(AgencyAnswer))
    emptied = _report(factory)
    assert emptied.screening.n == 0 and not emptied.agencies  # the figures really read the columns
    with transaction(factory) as session:
        report_milestones.backfill(session.connection())
    assert _milestones(factory) == recorded
    assert _answers(factory) == answers
    assert _report(factory) == figures
