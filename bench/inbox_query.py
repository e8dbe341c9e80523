"""Measurement 2: the inbox query (`engine.inbox.search`, what /inbox/ runs) on a large case table.

`--cases` cases of which `--open` are open, spread over 50 wards and every role; the query is timed for a
ward's handling unit (the target), and also for intake (the largest queue) and the department inspectorate.
Each query runs in a fresh session, like a request; the connection is checked out before the clock starts.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine import inbox
from engine.actors import Actor
from engine.inbox import InboxFilter

from . import plans
from .bulk import load_inbox_dataset
from .databases import Backend, analyze
from .stats import summary

ACTORS = {
    "ward": Actor("bench-ward", frozenset({"handling_unit"}), "ward-b17"),
    "intake": Actor("intake", frozenset({"intake"}), "rrt"),
    "inspectorate": Actor("inspectorate", frozenset({"handling_unit"}), "inspectorate"),
}


@dataclass
class QueryTimes:
    search: dict[str, float]
    counts: dict[str, float]
    rows: int


def time_queries(backend: Backend, actor: Actor, repeats: int, warmup: int = 10) -> QueryTimes:
    search_times, count_times, rows = [], [], 0
    for index in range(warmup + repeats):
        with backend.factory() as session:
            session.connection()  # check the connection out (and pre-ping it) before timing
            start = time.perf_counter()
            rows = len(inbox.search(session, actor, InboxFilter()))
            middle = time.perf_counter()
            inbox.queue_counts(session, actor)
            end = time.perf_counter()
            session.rollback()
        if index >= warmup:
            search_times.append(middle - start)
            count_times.append(end - middle)
    return QueryTimes(summary(search_times, 1000), summary(count_times, 1000), rows)


def explain(backend: Backend, actor: Actor) -> str:
    return plans.explain(backend, lambda session: inbox.search(session, actor, InboxFilter()), "inbox_items")


# The recommended index: plain columns (an expression index would be skipped, with a warning, when SQLAlchemy
# reflects an SQLite schema), usable for the order once the query says `due_at ASC NULLS LAST, id`.
CANDIDATE_INDEX = "CREATE INDEX ix_inbox_items_role_due ON inbox_items (role, due_at, id, unit)"


def time_actors(backend: Backend, repeats: int) -> dict[str, Any]:
    results = {}
    for name, actor in ACTORS.items():
        times = time_queries(backend, actor, repeats)
        results[name] = {"actor": {"roles": sorted(actor.roles), "unit": actor.unit}, "rows_returned": times.rows,
                         "search_ms": times.search, "queue_counts_ms": times.counts}
    return results


def measure(backend: Backend, total: int, open_count: int, repeats: int) -> dict[str, Any]:
    """The engine's query (`engine.inbox.search`) for each actor, with its query plans."""
    start = time.perf_counter()
    loaded = load_inbox_dataset(backend, total, open_count, datetime.now(UTC))
    analyze(backend)
    results: dict[str, Any] = {"dataset": loaded, "load_seconds": time.perf_counter() - start, "repeats": repeats}
    results["actors"] = time_actors(backend, repeats)
    results["plans"] = {name: explain(backend, ACTORS[name]) for name in ("ward", "inspectorate")}

    return results


