"""Measurement 5: timer lateness with the real worker loop (`engine.timers.run_forever`) and the real clock.

Real level-1 cases (the deployed procedure, unchanged) are created as if received 20 hours before a moment a few
seconds ahead, so their reminder timers fall due one after another while the worker runs: due times are spread
at random over several poll intervals, so they land at every phase of the worker's poll. Lateness is the time
the `timer_fired` event was recorded minus the timer's due time.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from engine import timers
from engine.models import Case, CaseEvent

from .databases import Backend
from .stats import summary
from .timer_sweep import REMINDER_AFTER, create_level1_cases

Loop = Callable[..., None]


def measure(backend: Backend, count: int, poll_seconds: float, seconds_per_case: float = 0.05,
            loop: Loop = timers.run_forever, seed: int = 11) -> dict[str, Any]:
    """Create `count` cases due over the next few poll intervals, run `loop` in a thread until all fired."""
    rng = random.Random(seed)  # noqa: S311 - benchmark timing, not a secret
    window = max(5 * poll_seconds, count * 0.05)
    lead = 0.5 + 2 * count * seconds_per_case  # time to create the cases before the first one is due
    base = datetime.now(UTC) + timedelta(seconds=lead)
    due_times = sorted(base + timedelta(seconds=rng.uniform(0, window)) for _ in range(count))
    due_by_case: dict[int, datetime] = {}
    for due in due_times:
        (case_id,) = create_level1_cases(backend, 1, due - REMINDER_AFTER)
        stored = _next_timer(backend, case_id)
        if stored != due:
            raise AssertionError(f"case {case_id}: its reminder should be due at {due}, the case says {stored}")
        due_by_case[case_id] = due
    started = datetime.now(UTC)
    overran = started >= due_times[0]
    stop = threading.Event()
    worker = threading.Thread(target=loop, args=(backend.factory, stop, poll_seconds), name="bench-timer-worker",
                              daemon=True)
    worker.start()
    give_up = time.monotonic() + lead + window + 5 * poll_seconds + 10
    try:
        while time.monotonic() < give_up and _fired(backend, list(due_by_case)) < count:
            time.sleep(min(0.5, poll_seconds / 2))
    finally:
        stop.set()
        worker.join(timeout=60)
    fired_at = _fired_times(backend, list(due_by_case))
    lateness = [(fired_at[case_id] - due).total_seconds() for case_id, due in due_by_case.items()
                if case_id in fired_at]
    return {"cases": count, "fired": len(lateness), "poll_seconds": poll_seconds, "window_seconds": window,
            "creation_overran_first_due": overran, "lateness_s": summary(lateness)}


def _fired(backend: Backend, case_ids: list[int]) -> int:
    with backend.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(CaseEvent)
                           .where(CaseEvent.kind == "timer_fired", CaseEvent.case_id.in_(case_ids)))


def _fired_times(backend: Backend, case_ids: list[int]) -> dict[int, datetime]:
    with backend.factory() as session:
        rows = session.execute(select(CaseEvent.case_id, func.min(CaseEvent.at))
                               .where(CaseEvent.kind == "timer_fired", CaseEvent.case_id.in_(case_ids))
                               .group_by(CaseEvent.case_id))
        return {case_id: _aware(at) for case_id, at in rows}


def _next_timer(backend: Backend, case_id: int) -> datetime | None:
    with backend.factory() as session:
        return session.scalar(select(Case.next_timer_at).where(Case.id == case_id))


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
