"""The reports received in a period as the dashboard counts them (engine/reports.py): how many by level, category,
ward, handling unit and channel, how many per invited agency, and how long their screening took (from receipt to the
first completed *Screen* task, `screened_at`: engine/report_milestones.py).

The counts come from one read of the period's cases grouped by the five dimensions together, summed here per
dimension. How that read is done depends on the database (measured on a quarter, 25,639 of 100,000 cases):
PostgreSQL hash-aggregates the groups (6 ms) and reads the screening times on their own; SQLite has no hash
aggregation — a GROUP BY sorts the 25,639 rows (17 ms) — so it reads each case's five dimensions as one JSON key
with its screening time in a single pass of the covering index `ix_cases_received_at`, counted and ranked here
(24 ms for both figures, against 29 ms for the grouped read and the screening read).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from operator import itemgetter

from sqlalchemy import ColumnElement, Text, cast, func, select, true
from sqlalchemy.orm import Session

from .caselist import json_list_items
from .models import Case, Unit, UnitKind
from .report_stats import Durations, driver_rows, hours_between, ranked_durations, read_durations

NONE = Durations(0, None, None)
Counts = list[tuple[str | int | None, int]]


def received_counts(session: Session, received: list[ColumnElement[bool]],
                    dimensions: dict[str, ColumnElement]) -> tuple[dict[str, Counts], Durations]:
    """The period's reports (`received`: its conditions) counted per value of each dimension, most first, and
    their screening times."""
    columns = list(dimensions.values())
    screening = hours_between(Case.received_at, Case.screened_at)
    if session.get_bind().dialect.name == "sqlite":
        rows = driver_rows(session, select(func.json_array(*columns), screening).where(*received))
        keys = Counter(map(itemgetter(0), rows))
        decoded = json.loads(f"[{','.join(keys)}]")  # the few distinct keys, decoded at once
        combinations = [(*values, count) for values, count in zip(decoded, keys.values(), strict=True)]
        times = ranked_durations([hours for hours in map(itemgetter(1), rows) if hours is not None])
    else:
        combinations = driver_rows(session, select(*columns, func.count()).where(*received).group_by(*columns))
        times = read_durations(session, screening, received).get((), NONE)
    *values, counts = zip(*combinations, strict=True) if combinations else ((),) * (len(columns) + 1)
    found = {}
    for name, keys in zip(dimensions, values, strict=True):  # a dimension's column at a time: 0.4 ms, not 1 ms
        totals: defaultdict[str | int | None, int] = defaultdict(int)
        for key, count in zip(keys, counts, strict=True):
            totals[key] += count
        found[name] = sorted(totals.items(), key=lambda pair: (-pair[1], str(pair[0])))
    return found, times


def received_by_agency(session: Session, received: list[ColumnElement[bool]]) -> list[tuple[str, int]]:
    """Reports received per invited agency: the period's level-3 cases are counted per list of agencies first (a
    quarter's thousands of cases have a handful of different lists), and only those lists are expanded; an agency
    named twice in one list counts the case once. Measured on a quarter of 100,000 cases: 1.9 ms on PostgreSQL and
    0.7 ms on SQLite, against 17 ms and 4 ms for expanding each case's list (PostgreSQL converted every list to
    jsonb, in parallel workers)."""
    agencies = select(Unit.code).where(Unit.kind == UnitKind.AGENCY.value)  # in the same statement
    listed = cast(Case.agencies, Text)  # PostgreSQL's json has no equality: grouped by its text
    lists = (select(listed.label("agencies"), func.count().label("cases"))
             .where(*received, Case.level == 3).group_by(listed).subquery())  # agencies join level-3 cases only
    invited = json_list_items(session, lists.c.agencies)
    pairs = (select(lists.c.agencies, lists.c.cases, invited.c.value).select_from(lists).join(invited, true())
             .where(invited.c.value.in_(agencies)).distinct().subquery())  # one agency once per list
    counts = session.execute(select(pairs.c.value, func.sum(pairs.c.cases)).group_by(pairs.c.value)).all()
    return sorted(((code, int(n)) for code, n in counts if n), key=lambda pair: (-pair[1], pair[0]))
