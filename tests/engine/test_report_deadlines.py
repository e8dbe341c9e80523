"""The on-time / late / pending counts per level (SQLite: nine filtered counts in one pass; PostgreSQL: grouped by
level) are the cases each figure's drill-down lists, on SQLite and PostgreSQL (tests/reportdata.py's week)."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from engine import reports
from engine.actors import Actor
from engine.db import transaction
from engine.models import Case
from engine.report_periods import parse_period
from engine.reports import ReportFilter
from tests.reportdata import AT_HOURS, at, build_week

LEADER = Actor("leader", frozenset({"leadership"}))
WEEK = parse_period("2026-W48")


@pytest.fixture
def week(drive):
    return build_week(drive)


def test_each_levels_on_time_late_and_pending_counts_are_the_cases_behind_them(factory, week):
    with transaction(factory) as session:  # a level-3 case pending too, so that every level has cases
        session.execute(update(Case).where(Case.id == week["E"]).values(level=3))
    with transaction(factory) as session:
        found = reports.report(session, LEADER, WEEK, at=at(AT_HOURS))
        behind = {(level, metric): reports.cases_behind(session, LEADER, metric, WEEK, ReportFilter(level=level),
                                                        at=at(AT_HOURS)).total
                  for level in (1, 2, 3) for metric in reports.DEADLINE_METRICS}
    counted = {(d.level, metric): getattr(d, metric) for d in found.deadlines for metric in reports.DEADLINE_METRICS}
    assert counted == behind
    assert [d.level for d in found.deadlines] == [1, 2, 3]
    assert sum(counted.values()) >= 7 and all(isinstance(n, int) for n in counted.values())
