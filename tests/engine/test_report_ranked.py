"""The durations read from the driver's cursor and ranked here (median, 90th percentile) are the same numbers as
`durations` over the whole rounded list, for every sample size, ties, groups, empty values and values that only
rounding tells apart (SQLite and PostgreSQL)."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Table, insert, select

from engine.db import transaction
from engine.models import Unit, UnitKind
from engine.report_stats import Durations, driver_rows, durations, read_durations


def test_read_durations_match_the_percentiles_of_the_whole_list(factory):
    rng = random.Random(3)
    rows = [(group, float(rng.choice([rng.randint(0, 50), rng.uniform(0, 80)])))
            for group in range(1, 31) for _ in range(group)]  # group g has g values: sizes 1 to 30
    table = Table("ranked_samples", MetaData(), Column("g", Integer), Column("h", Float))
    with transaction(factory) as session:
        table.create(session.connection())
        session.execute(insert(table), [{"g": g, "h": h} for g, h in rows])
        found = read_durations(session, table.c.h, [], (table.c.g,), total=True)
        overall = read_durations(session, table.c.h, [table.c.g > 20])
        table.drop(session.connection())
    for group in range(1, 31):
        expected = durations([round(h, 6) for g, h in rows if g == group])
        assert found[(group,)] == expected, group
    assert found[()] == durations([round(h, 6) for _g, h in rows])
    assert overall[()] == durations([round(h, 6) for g, h in rows if g > 20])
    assert overall[()].n == sum(range(21, 31))
    assert isinstance(overall[()], Durations)


def test_durations_skip_empty_values_and_round_before_interpolating(factory):
    # 1.0000004 and 1.0000006 round to 1.0 and 1.000001: the median interpolates between the rounded values
    rows = [(1, 1.0000004), (1, 1.0000006), (1, None), (2, None), (3, 2.5), (3, 2.5), (3, 0.0000004)]
    table = Table("rounded_samples", MetaData(), Column("g", Integer), Column("h", Float))
    with transaction(factory) as session:
        table.create(session.connection())
        session.execute(insert(table), [{"g": g, "h": h} for g, h in rows])
        found = read_durations(session, table.c.h, [], (table.c.g,), total=True)
        table.drop(session.connection())
    assert found[(1,)] == durations([1.0, 1.000001])
    assert (found[(1,)].median, found[(1,)].p90) == (pytest.approx(1.0000005, abs=1e-12), pytest.approx(1.0000009))
    assert (2,) not in found  # a group without a value has no figure (as an empty list has none)
    assert found[(3,)] == Durations(3, 2.5, 2.5)
    assert found[()] == durations([round(h, 6) for _g, h in rows if h is not None])
    assert found[()].n == 5


def test_driver_rows_see_the_sessions_pending_changes(factory):
    with transaction(factory) as session:
        session.add(Unit(code="ward-pending", name="UBND phường chờ", kind=UnitKind.WARD.value))
        assert driver_rows(session, select(Unit.code, Unit.kind).where(Unit.code == "ward-pending")) == [
            ("ward-pending", UnitKind.WARD.value)]
        session.rollback()
