"""Medians and percentiles of durations for reports, and durations computed by the database.

Percentiles interpolate linearly between the two closest ranks (as PostgreSQL's `percentile_cont` and
spreadsheets' PERCENTILE.INC); a figure from fewer than SMALL_SAMPLE values is flagged on every page.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Float, Numeric, and_, cast, func, literal, or_, select, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SMALL_SAMPLE = 5


@dataclass(frozen=True)
class Durations:
    """Hours: how many values, their median and 90th percentile (None without values)."""

    n: int
    median: float | None
    p90: float | None

    @property
    def small(self) -> bool:
        return 0 < self.n < SMALL_SAMPLE


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th quantile (0..1) with linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def durations(hours: Sequence[float]) -> Durations:
    return Durations(len(hours), percentile(hours, 0.5), percentile(hours, 0.9))


class hours_between(FunctionElement):  # noqa: N801 - named like the SQL function it stands for
    """SQL: hours from `start` to `end` as a number, computed by the database (no datetime per row in Python)."""

    type = Float()
    inherit_cache = True
    name = "hours_between"


@compiles(hours_between, "postgresql")
def _hours_between_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(date_part('epoch', {end} - {start}) / 3600.0)"  # double precision (EXTRACT gives slow numeric)


@compiles(hours_between, "sqlite")
def _hours_between_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


def hours_list(values) -> list[float]:
    """Hours from the database, rounded to the microsecond's order (julianday arithmetic is binary floating point)."""
    return [round(float(v), 6) for v in values if v is not None]


QUANTILES = (0.5, 0.9)


def ranked_durations(session, hours, clauses, keys=(), total: bool = False) -> dict[tuple, Durations]:
    """Median and 90th percentile of `hours` (an SQL expression) per group of `keys` (and over all rows, key (), when
    `total`), ranked by the database: only the few ranks the interpolation needs come back, not one row per case.
    Same numbers as `durations` over `hours_list`. PostgreSQL has a percentile aggregate (`percentile_cont`: one sort
    per group); SQLite ranks with window functions. (Reading SQLite's values to sort them here measured no faster
    through SQLAlchemy's rows.)"""
    if session.get_bind().dialect.name == "postgresql":
        return _percentiles_postgresql(session, hours, clauses, keys, total)
    hours = hours.label("h")
    windows = [list(keys)] + ([[]] if total and keys else [])
    ranked = select(*keys, hours, *(column for index, by in enumerate(windows) for column in (
        (func.row_number().over(partition_by=by, order_by=hours) - 1).label(f"r{index}"),
        func.count().over(partition_by=by).label(f"n{index}")))).where(*clauses, hours.is_not(None)).subquery()
    near = [_near(ranked.c[f"r{index}"], ranked.c[f"n{index}"] - 1, q) for index in range(len(windows))
            for q in QUANTILES]  # floor-1 … ceil+1 of (n-1)·q: the two ranks `percentile` interpolates between
    found: dict[tuple, tuple[int, dict[int, float]]] = {}
    for row in session.execute(select(ranked).where(or_(*near))):
        key, value, ranks = tuple(row[:len(keys)]), round(float(row.h), 6), row[len(keys) + 1:]  # as hours_list
        for index, group in enumerate((key, ())[:len(windows)]):
            rank, n = ranks[2 * index], ranks[2 * index + 1]
            if any(abs(rank - (n - 1) * q) <= 2 for q in QUANTILES):
                found.setdefault(group, (n, {}))[1][rank] = value
    return {key: Durations(n, *(_interpolated(ranks, n, q) for q in QUANTILES)) for key, (n, ranks) in found.items()}


def _percentiles_postgresql(session, hours, clauses, keys, total: bool) -> dict[tuple, Durations]:
    """PostgreSQL's `percentile_cont` interpolates as `percentile` does, in one sort per group (no window passes);
    the values are rounded as `hours_list` rounds them, so the numbers are the same."""
    value = cast(func.round(cast(hours, Numeric), 6), Float)
    query = select(*keys, func.count(value), *(func.percentile_cont(q).within_group(value) for q in QUANTILES),
                   func.grouping(*keys) if total and keys else literal(0)).where(*clauses, hours.is_not(None))
    if keys:
        query = query.group_by(func.grouping_sets(tuple_(*keys), tuple_())) if total else query.group_by(*keys)
    found = {}
    for row in session.execute(query):
        key, (n, median, p90, everything) = tuple(row[:len(keys)]), row[len(keys):]
        if n:
            found[() if everything else key] = Durations(n, median, p90)
    return found


def _near(rank, last, q: float):
    return and_(rank >= (last * int(q * 10)) // 10 - 1, rank <= (last * int(q * 10) + 9) // 10 + 1)


def _interpolated(ranks: dict[int, float], n: int, q: float) -> float:
    """`percentile` of the sorted values of which `ranks` holds the ones around rank (n-1)·q."""
    position = (n - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ranks[low] + (ranks[high] - ranks[low]) * (position - low)
