"""The briefing's case lists and the risk table, on the hand-built week of tests/reportdata.py."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine import report_briefing
from engine.actors import Actor
from engine.db import transaction
from engine.errors import PermissionDenied
from engine.report_briefing import briefing
from engine.report_periods import parse_period
from engine.report_risk import RiskCell, risk_table
from engine.reports import ReportFilter
from tests.reportdata import AT_HOURS, at, build_week

LEADER = Actor("leader", frozenset({"leadership"}))


@pytest.fixture
def week(drive):
    return build_week(drive)


def test_the_weekly_briefing_lists_overdue_late_and_notable_cases(factory, week):
    with transaction(factory) as session:
        found = briefing(session, LEADER, "weekly", parse_period("2026-W48"), at=at(AT_HOURS))
    assert found.figures.received == 7
    assert [c.id for c in found.overdue.cases] == [week["D"], week["C"], week["I"]]  # by deadline
    d = found.overdue.cases[0]
    assert d.late_by == timedelta(hours=AT_HOURS - 72) and d.facility == "Nha khoa D"
    assert [(t.title, t.unit) for t in d.waiting_for] == [("Nhập kết quả xử lý / Enter result", "inspectorate")]
    late = {c.id: c.late_by for c in found.published_late.cases}
    assert late == {week["B"]: timedelta(hours=4), week["H"]: timedelta(hours=6)}
    assert [c.id for c in found.notable.cases] == [week["C"], week["I"]]  # reopened; level 3
    assert found.overdue.total == 3


def test_a_long_list_shows_its_first_cases_in_order_and_counts_them_all(factory, week, monkeypatch):
    monkeypatch.setattr(report_briefing, "LIST_LIMIT", 2)
    with transaction(factory) as session:
        found = briefing(session, LEADER, "weekly", parse_period("2026-W48"), at=at(AT_HOURS))
    assert [c.id for c in found.overdue.cases] == [week["D"], week["C"]] and found.overdue.total == 3
    assert [c.id for c in found.notable.cases] == [week["C"], week["I"]] and found.notable.total == 2


def test_the_risk_table_counts_open_cases_near_and_past_their_deadline_by_ward_and_level(factory, week):
    with transaction(factory) as session:
        table = risk_table(session, LEADER, at=at(150))  # E (level 1, 24 h) has 4 h left: near
        earlier = risk_table(session, LEADER, at=at(140))  # E has 14 h left: not near
        only_tan_dinh = risk_table(session, LEADER, ReportFilter(ward="ward-tan-dinh"), at=at(150))
    assert table.rows == {
        "ward-ben-thanh": {2: RiskCell(1, 0, 1), 3: RiskCell(1, 0, 1)},  # D, I past
        "ward-tan-dinh": {1: RiskCell(1, 1, 0), 2: RiskCell(1, 0, 1)},  # E near, C past
    }
    assert table.total() == RiskCell(4, 1, 3) and table.total(1).share == 1.0
    assert earlier.rows["ward-tan-dinh"][1] == RiskCell(1, 0, 0)
    assert list(only_tan_dinh.rows) == ["ward-tan-dinh"]


def test_units_have_no_risk_table(factory):
    with transaction(factory) as session, pytest.raises(PermissionDenied):
        risk_table(session, Actor("ward", frozenset({"handling_unit"}), "ward-ben-thanh"))
