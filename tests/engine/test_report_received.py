"""The received figures as the dashboard counts them (engine/reports.py), against the cases counted one by one here,
on SQLite and PostgreSQL (tests/reportdata.py's week)."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from engine import reports
from engine.actors import Actor
from engine.db import transaction
from engine.models import Case
from engine.report_periods import parse_period
from tests.reportdata import AT_HOURS, at, build_week

LEADER = Actor("leader", frozenset({"leadership"}))
WEEK = parse_period("2026-W48")


@pytest.fixture
def week(drive):
    return build_week(drive)


def _report(factory):
    with transaction(factory) as session:
        return reports.report(session, LEADER, WEEK, at=at(AT_HOURS))


def test_cases_sharing_a_list_of_agencies_or_naming_an_agency_twice_count_once_per_agency(factory, week):
    with transaction(factory) as session:
        session.execute(update(Case).where(Case.id.in_([week["B"], week["D"]]))
                        .values(level=3, agencies=["police", "labour", "police"]))
        session.execute(update(Case).where(Case.id == week["E"]).values(level=3, agencies=["labour", "no-such-unit"]))
        session.execute(update(Case).where(Case.id == week["A"]).values(agencies=["police"]))  # level 1: not asked
    found = _report(factory)
    # I (police, market-mgmt) as before; B and D once each for police and labour; E for labour only
    assert dict(found.received_by["agency"]) == {"police": 3, "labour": 3, "market-mgmt": 1}
    assert found.received_by["agency"] == [("labour", 3), ("police", 3), ("market-mgmt", 1)]
