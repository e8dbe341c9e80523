"""Measurement 3: the timer sweep (`engine.timers.run_once`) with many waiting cases, none due and some due.

The due cases are real: level-1 cases driven through the services (report, screen, classify) with the clock
frozen at T0, so each waits for its reminder at T0 + 20 h. The other waiting cases are copies of a few real
cases received a day later (all columns, a new id and code, the next timer spread over the following days); their
`workflow_json` is a placeholder, because the sweep reads a workflow only when its case is due, and 100,000
copies of a ~60 KB document would only measure the disk. With the clock just before T0 + 20 h nothing is due;
just after it, exactly the real cases are.
"""
from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from engine import cases, inbox, timers
from engine.clock import FrozenClock, use_clock
from engine.db import transaction
from engine.models import Case

from . import plans
from .bulk import PLACEHOLDER_WORKFLOW, bench_code, fix_sequence, insert_rows, next_case_id
from .databases import Backend, analyze
from .lifecycle import ACTORS, REPORT
from .stats import summary

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # a Monday, 08:00 in Ho Chi Minh City
REMINDER_AFTER = timedelta(hours=20)  # level 1: 24 h deadline, reminder 4 h before
SOURCES = 3


def create_level1_cases(backend: Backend, count: int, received: datetime) -> list[int]:
    """Real level-1 cases through the services (one transaction per case), received at `received`."""
    ids = []
    with use_clock(FrozenClock(received)):
        for _ in range(count):
            with transaction(backend.factory) as session:
                case = cases.submit_report(session, REPORT, {"name": "Nguyễn A"})
                for name, data in (("screen", {"screening_outcome": "in_scope"}),
                                   ("classify", {"level": 1, "handling_unit": "ward-ben-thanh"})):
                    task = next(t for t in inbox.case_tasks(session, case.id) if t.task_name == name)
                    cases.complete_task(session, ACTORS["intake"], case.id, task.task_id, data)
                ids.append(case.id)
    return ids


def clone_waiting(backend: Backend, source_ids: list[int], count: int, seed: int) -> int:
    """`count` copies of the source cases with a new id and code and the next timer spread over 3 days."""
    if count <= 0:
        return 0
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not a secret
    table = Case.__table__
    with backend.engine.connect() as conn:
        sources = [dict(row._mapping) for row in conn.execute(select(table).where(table.c.id.in_(source_ids)))]
    first = next_case_id(backend)
    rows = []
    for offset in range(count):
        row = dict(sources[offset % len(sources)])
        row.update(id=first + offset, code=bench_code(first + offset), workflow_json=PLACEHOLDER_WORKFLOW,
                   next_timer_at=row["next_timer_at"] + timedelta(seconds=rng.uniform(0, 3 * 86400)))
        rows.append(row)
    inserted = insert_rows(backend, table, rows)
    fix_sequence(backend)
    return inserted


def waiting_count(backend: Backend) -> int:
    with backend.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Case).where(Case.next_timer_at.is_not(None)))


def time_idle_sweeps(backend: Backend, at: datetime, repeats: int, warmup: int = 5) -> dict[str, float]:
    times = []
    with use_clock(FrozenClock(at)):
        for index in range(warmup + repeats):
            start = time.perf_counter()
            result = timers.run_once(backend.factory)
            elapsed = time.perf_counter() - start
            if result.woken:
                raise AssertionError(f"an idle sweep woke {result.woken} cases")
            if index >= warmup:
                times.append(elapsed)
    return summary(times, 1000)


def explain_due_query(backend: Backend, at: datetime) -> str:
    return plans.explain(backend, lambda session: timers.due_case_ids(session, at, 100), "cases")


def measure(backend: Backend, waiting: int, due: int, repeats: int) -> dict[str, Any]:
    small = max(waiting // 10, due + SOURCES)
    large = max(waiting, small)
    started = time.perf_counter()
    due_ids = create_level1_cases(backend, due, T0)
    source_ids = create_level1_cases(backend, SOURCES, T0 + timedelta(days=1))
    real_seconds = time.perf_counter() - started
    idle_at = T0 + REMINDER_AFTER - timedelta(minutes=1)
    due_at = T0 + REMINDER_AFTER + timedelta(seconds=1)
    results: dict[str, Any] = {"due_real_cases": len(due_ids), "sources": len(source_ids),
                               "real_cases_seconds": real_seconds, "idle": {}}
    counts = []
    for target in (small, large):
        clone_waiting(backend, source_ids, target - waiting_count(backend), seed=target)
        analyze(backend)
        counts.append(waiting_count(backend))
        results["idle"][str(counts[-1])] = time_idle_sweeps(backend, idle_at, repeats)
    results["small"], results["large"] = str(counts[0]), str(counts[-1])
    results["plan"] = explain_due_query(backend, idle_at)
    with use_clock(FrozenClock(due_at)):
        start = time.perf_counter()
        swept = timers.run_once(backend.factory)
        results["due_sweep_seconds"] = time.perf_counter() - start
        after = timers.run_once(backend.factory)
    results["due_sweep"] = {"woken": swept.woken, "fired": swept.fired, "failed": len(swept.failed),
                            "woken_by_next_sweep": after.woken}
    if swept.woken != due or swept.fired != due or swept.failed:
        raise AssertionError(f"the due sweep should fire {due} timers: {results['due_sweep']}")
    return results
