"""The database ranks the durations (median, 90th percentile) and gives the same numbers as `durations` over the
whole list, for every sample size, ties and groups (SQLite and PostgreSQL)."""
from __future__ import annotations

import random

from sqlalchemy import Column, Float, Integer, MetaData, Table, insert

from engine.db import transaction
from engine.report_stats import Durations, durations, ranked_durations


def test_ranked_durations_match_the_percentiles_of_the_whole_list(factory):
    rng = random.Random(3)
    rows = [(group, float(rng.choice([rng.randint(0, 50), rng.uniform(0, 80)])))
            for group in range(1, 31) for _ in range(group)]  # group g has g values: sizes 1 to 30
    table = Table("ranked_samples", MetaData(), Column("g", Integer), Column("h", Float))
    with transaction(factory) as session:
        table.create(session.connection())
        session.execute(insert(table), [{"g": g, "h": h} for g, h in rows])
        found = ranked_durations(session, table.c.h, [], (table.c.g,), total=True)
        overall = ranked_durations(session, table.c.h, [table.c.g > 20])
        table.drop(session.connection())
    for group in range(1, 31):
        expected = durations([round(h, 6) for g, h in rows if g == group])
        assert found[(group,)] == expected, group
    assert found[()] == durations([round(h, 6) for _g, h in rows])
    assert overall[()] == durations([round(h, 6) for g, h in rows if g > 20])
    assert overall[()].n == sum(range(21, 31))
    assert isinstance(overall[()], Durations)
