"""Measurement 6: the report queries (engine/reports.py and friends) on the inbox dataset of measurement 2.

The bulk-loaded cases get the events the report figures read (and the milestones those events set on the case
row, engine/report_milestones.py) — receipt and screening for every case; for closed,
classified cases a rating (70 %), disputes (5 %, half of them reopened); for level-3 cases the start of handling
and each agency's acknowledgement and contribution — then each query is timed in a fresh session, like a
request: the dashboard's figures for one week and for one quarter, the weekly briefing (figures + case lists), the
risk table and one drill-down page. Target: p95 ≤ 200 ms on 100,000 cases.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine import report_briefing, report_milestones, report_periods, report_risk, reports
from engine.actors import Actor
from engine.models import Case, CaseEvent

from .bulk import insert_rows
from .databases import Backend, analyze
from .stats import summary

LEADER = Actor("leader", frozenset({"leadership"}))
AGENCY_USERS = {"police": "police", "market-mgmt": "market", "labour": "labour"}
TARGET_MS = 200.0


def _event(case_id: int, at: datetime, kind: str, *, task: str | None = None, actor: str = "bench",
           from_status: str | None = None, to_status: str | None = None,
           detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"case_id": case_id, "at": at, "actor": actor, "kind": kind, "task_name": task,
            "from_status": from_status, "to_status": to_status, "detail": detail or {}}


def _case_events(rng: random.Random, row) -> Iterator[dict[str, Any]]:
    case_id, status, level, agencies, received, published = row
    yield _event(case_id, received, "received", to_status="received")
    yield _event(case_id, received + timedelta(hours=rng.uniform(0.1, 6)), "task_completed", task="screen",
                 actor="intake", detail={"data": {"screening_outcome": "in_scope"}})
    if level == 3:
        started = received + timedelta(hours=rng.uniform(6, 10))
        yield _event(case_id, started, "task_completed", task="start_handling", actor="inspectorate")
        for agency in agencies or []:
            user = AGENCY_USERS.get(agency, "police")
            yield _event(case_id, started + timedelta(hours=rng.uniform(0.5, 8)), "task_completed",
                         task="acknowledge_request", actor=user)
            if status == "closed":
                yield _event(case_id, started + timedelta(hours=rng.uniform(8, 30)), "task_completed",
                             task="contribute_findings", actor=user)
    if status == "closed" and published is not None and rng.random() < 0.7:
        rated = published + timedelta(hours=rng.uniform(1, 100))
        resolved = rng.random() > 0.05
        yield _event(case_id, rated, "task_completed", task="citizen_feedback", actor="citizen",
                     detail={"data": {"resolved": resolved, "rating": rng.randint(1 if not resolved else 3, 5)}})
        if not resolved:
            yield _event(case_id, rated, "status_changed", from_status="result_published", to_status="disputed")
            if rng.random() < 0.5:
                yield _event(case_id, rated + timedelta(hours=rng.uniform(2, 40)), "status_changed",
                             from_status="disputed", to_status="in_handling")


def load_events(backend: Backend, seed: int = 11) -> int:
    """The events of every case in the database (bulk inserts, no engine)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data
    with backend.engine.connect() as conn:
        rows = conn.execute(select(Case.id, Case.status, Case.level, Case.agencies, Case.received_at,
                                   Case.published_at).order_by(Case.id)).all()
    count = insert_rows(backend, CaseEvent.__table__, (event for row in rows for event in _case_events(rng, row)))
    with backend.engine.begin() as conn:  # the case rows' milestones, as recording the events would have set them
        report_milestones.backfill(conn)
    analyze(backend)
    return count


def _timed(backend: Backend, query: Callable[[Any], Any], repeats: int, warmup: int = 3) -> dict[str, float]:
    times = []
    for index in range(warmup + repeats):
        with backend.factory() as session:
            session.connection()  # checked out (and pre-pinged) before the clock starts
            start = time.perf_counter()
            query(session)
            elapsed = time.perf_counter() - start
            session.rollback()
        if index >= warmup:
            times.append(elapsed)
    return summary(times, 1000)


def queries(at: datetime) -> dict[str, Callable[[Any], Any]]:
    week = report_periods.current("week", at - timedelta(days=28))  # a typical week: ~800 reports
    busy = report_periods.current("week", at - timedelta(days=1))  # the dataset's 20,000 open cases arrived here
    quarter = report_periods.current("quarter", at)
    return {
        "dashboard_week": lambda s: reports.report(s, LEADER, week, at=at),
        "dashboard_busy_week": lambda s: reports.report(s, LEADER, busy, at=at),
        "dashboard_quarter": lambda s: reports.report(s, LEADER, quarter, at=at),
        "weekly_briefing": lambda s: report_briefing.briefing(s, LEADER, "weekly", week, at=at),
        "risk_table": lambda s: report_risk.risk_table(s, LEADER, at=at),
        "drill_down_late_week": lambda s: reports.cases_behind(s, LEADER, "late", week, at=at),
    }


LABELS = {
    "dashboard_week": "dashboard figures, a typical week (~800 reports)",
    "dashboard_busy_week": "dashboard figures, the busiest week (~20,000 reports)",
    "dashboard_quarter": "dashboard figures, one quarter",
    "weekly_briefing": "weekly briefing (figures + case lists), a typical week",
    "risk_table": "risk table (wards × levels)",
    "drill_down_late_week": "drill-down page (late, a typical week)",
}


def measure(backend: Backend, repeats: int) -> dict[str, Any]:
    start = time.perf_counter()
    events = load_events(backend)
    result: dict[str, Any] = {"events": events, "load_seconds": time.perf_counter() - start, "repeats": repeats}
    at = datetime.now(UTC)
    result["queries"] = {name: _timed(backend, query, repeats) for name, query in queries(at).items()}
    return result
