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


def test_counts_by_dimension_keep_each_value_exactly_whatever_its_characters(factory, week):
    """SQLite reads the five dimensions of each case as one JSON key (engine/report_received.py): quotes,
    backslashes, accents and empty values come back as they were stored, and an empty value stays apart from none."""
    odd = 'phường "Bến Thành" \\ 1/2'
    with transaction(factory) as session:
        session.execute(update(Case).where(Case.id == week["A"]).values(ward=odd, handling_unit=None, category=""))
        session.execute(update(Case).where(Case.id == week["B"]).values(ward=odd, level=None, source="zalo"))
    found = _report(factory)
    assert found.received == 7
    assert dict(found.received_by["ward"]) == {"ward-ben-thanh": 3, odd: 2, "ward-tan-dinh": 2}
    assert dict(found.received_by["category"]) == {"cosmetic_surgery": 5, "service_prices": 1, "": 1}
    assert dict(found.received_by["level"]) == {1: 2, 2: 2, 3: 1, None: 2}
    assert dict(found.received_by["source"]) == {"web": 6, "zalo": 1}
    assert sum(n for _unit, n in found.received_by["handling_unit"]) == 7
    assert dict(found.received_by["handling_unit"])[None] == 2
