"""Small statistics helpers and the measurement record every part of the benchmark reports."""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float], scale: float = 1.0) -> dict[str, float]:
    """count, mean, p50, p95, p99, min, max of `values` multiplied by `scale` (e.g. 1000 for s → ms)."""
    if not values:
        return {"count": 0, "mean": math.nan, "p50": math.nan, "p95": math.nan, "p99": math.nan,
                "min": math.nan, "max": math.nan}
    scaled = [v * scale for v in values]
    return {"count": len(scaled), "mean": statistics.fmean(scaled), "p50": percentile(scaled, 50),
            "p95": percentile(scaled, 95), "p99": percentile(scaled, 99), "min": min(scaled), "max": max(scaled)}


@dataclass
class Measurement:
    """One line of the result table: a value, its target (None = reported only) and how they compare.

    `target` is an upper bound: the measurement meets it when value ≤ target; `ratio` = value / target.
    """

    key: str
    label: str
    value: float
    unit: str
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.target is None or self.target == 0:
            return None
        return self.value / self.target

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        if math.isnan(self.value):
            return "n/a"
        return "met" if self.value <= self.target else "MISSED"

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "verdict": self.verdict}
