"""Measurement 8: the quarterly review of the procedure (`engine.procedure_review.review`, what /studio/review
runs once per version shown) on the inbox dataset's cases.

Runs after the search measurement on the same database: `bench.bulk` gives every closed bulk case its step log
(task completions with `opened_at`, timer firings with the element id), about 6 events a case. The bulk load
writes events without the engine, so the review's summary of them (engine/review_summary.py, kept on write by
the engine) is made here as the migration that added it makes it for older events (`rebuild`, timed). The review
is timed for the last complete quarter (full of events) and for the last complete ISO week, each in a fresh
session like a request, the connection checked out before the clock starts.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from engine import procedure_review, review_summary
from engine.models import CaseEvent, ProcessVersion

from . import plans
from .databases import Backend, analyze
from .stats import summary


def last_periods(now: datetime) -> dict[str, str]:
    """The last complete quarter ("2026-Q3") and ISO week ("2026-W47") before `now`."""
    quarter = (now.month - 1) // 3  # the current quarter's index, 0..3
    year, previous = (now.year, quarter) if quarter else (now.year - 1, 4)
    week = (now - timedelta(days=7)).isocalendar()
    return {"quarter": f"{year}-Q{previous}", "week": f"{week.year}-W{week.week:02d}"}


def measure(backend: Backend, repeats: int, warmup: int = 5) -> dict[str, Any]:
    """p50/p95 of a quarter's and a week's review, with the figures' size and the main query's plan."""
    results: dict[str, Any] = {"repeats": repeats}
    with backend.factory() as session:
        results["case_events"] = session.scalar(select(func.count()).select_from(CaseEvent))
    start = time.perf_counter()
    with backend.engine.begin() as conn:
        results["summary_rows"] = review_summary.rebuild(conn)
    results["summary_rebuild_s"] = time.perf_counter() - start
    analyze(backend)  # PostgreSQL: fresh statistics and visibility map for the new rows, as after any bulk load
    for name, period in last_periods(datetime.now(UTC)).items():
        times, found = [], None
        for index in range(warmup + repeats):
            with backend.factory() as session:
                session.connection()  # check the connection out (and pre-ping it) before timing
                version = session.get(ProcessVersion, backend.version_id)
                start = time.perf_counter()
                found = procedure_review.review(session, version, period)
                elapsed = time.perf_counter() - start
                session.rollback()
            if index >= warmup:
                times.append(elapsed)
        results[name] = {"period": period, "ms": summary(times, 1000), "cases": found.cases,
                         "passes": sum(e.passes for e in found.elements)}
    quarter = last_periods(datetime.now(UTC))["quarter"]
    results["plan"] = plans.explain(
        backend, lambda s: procedure_review.review(s, s.get(ProcessVersion, backend.version_id), quarter),
        "review_passes")
    return results
