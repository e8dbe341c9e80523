"""Measurement 2b: the staff case search (`engine.caselist.list_cases`, what /cases/ runs) and the export of a
list (`engine.case_export.export_cases`, what /cases/export.xlsx runs) on the inbox dataset's cases.

Runs after the inbox measurement on the same database (`bench.bulk` gives every bulk case a facility, street
and description, and its search text; one facility name is in about 1% of the cases). Each query runs in a
fresh session, like a request, the connection checked out before the clock starts; an export's audit entry is
rolled back. The XLSX writing of the exported rows is timed on its own (it does not touch the database).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine import case_export, caselist, spreadsheet
from engine.actors import Actor
from engine.caselist import CaseFilter

from . import plans
from .databases import Backend
from .stats import summary

INTAKE = Actor("intake", frozenset({"intake"}), "rrt")
WARD = Actor("bench-ward", frozenset({"handling_unit"}), "ward-b17")
FACILITY = "tham my vien ngoc lan"  # one facility name: ~1% of the cases


def searches(now: datetime) -> dict[str, tuple[Actor, CaseFilter]]:
    """The timed searches: a facility without accents over the last year with a level (intake); a common word
    (one case in five: the count is the largest); the same facility as one ward sees it."""
    return {
        "text_filters": (INTAKE, CaseFilter(text=FACILITY, level=1, received_from=now - timedelta(days=365))),
        "common_word": (INTAKE, CaseFilter(text="spa")),
        "ward_text": (WARD, CaseFilter(text="ngoc lan")),
    }


def _timed(backend: Backend, work: Callable[[Session], Any], repeats: int, warmup: int) -> tuple[list[float], Any]:
    times, result = [], None
    for index in range(warmup + repeats):
        with backend.factory() as session:
            session.connection()  # check the connection out (and pre-ping it) before timing
            start = time.perf_counter()
            result = work(session)
            elapsed = time.perf_counter() - start
            session.rollback()
        if index >= warmup:
            times.append(elapsed)
    return times, result


def measure(backend: Backend, repeats: int, warmup: int = 5) -> dict[str, Any]:
    """p50/p95 of each search (one page with its count) and of a ~1,000-row export, with the search's plan."""
    now = datetime.now(UTC)
    results: dict[str, Any] = {"repeats": repeats}
    for name, (actor, wanted) in searches(now).items():
        times, page = _timed(backend, lambda s, a=actor, w=wanted: caselist.list_cases(s, a, w), repeats, warmup)
        results[name] = {"ms": summary(times, 1000), "total": page.total}
    wanted = CaseFilter(text=FACILITY)
    times, export = _timed(backend, lambda s: case_export.export_cases(s, INTAKE, wanted, "xlsx"), repeats, warmup)
    results["export"] = {"ms": summary(times, 1000), "rows": len(export.rows)}
    headers, table = [f"c{i}" for i in range(17)], [list(vars(row).values()) for row in export.rows]
    for fmt, write in (("xlsx", lambda: spreadsheet.write_xlsx([spreadsheet.Sheet("Cases", headers, table)])),
                       ("csv", lambda: spreadsheet.write_csv(headers, table))):
        file_times = []
        for _ in range(max(5, repeats // 10)):
            start = time.perf_counter()
            write()
            file_times.append(time.perf_counter() - start)
        results[f"export_{fmt}_file"] = {"ms": summary(file_times, 1000), "rows": len(export.rows)}
    actor, first = searches(now)["text_filters"]
    results["plan"] = plans.explain(backend, lambda s: caselist.list_cases(s, actor, first), "cases")
    return results
