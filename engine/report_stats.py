"""Medians and percentiles of durations for reports.

Percentiles interpolate linearly between the two closest ranks (as PostgreSQL's `percentile_cont` and
spreadsheets' PERCENTILE.INC); a figure from fewer than SMALL_SAMPLE values is flagged on every page.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

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
