"""Measurement 1: one whole case lifecycle through the engine services with persistence, against the same
lifecycle on SpiffWorkflow in memory (same parsed spec, same restricted script engine, no DB, no serialization).

A lifecycle: report → screen → classify → start_handling → (level 3: each invited agency acknowledges and
contributes findings, the inspectorate closes coordination) → enter_result → verify_result → citizen feedback →
closed. Levels 1, 2 and 3 take turns.
Persisted, every step is what a submitted task page does (`engine.casefile.task_page` without events, then
`engine.cases.complete_task`): one transaction that loads the case with its document and inbox rows once, finds
the open task among those rows (a request has its id from the URL) and offers the load to the case step, which then
reads nothing again (the report: `engine.cases.submit_report`).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker, undefer

from engine import cases, versions, workflows
from engine.actors import Actor
from engine.clock import now
from engine.db import transaction
from engine.demo import DEMO_REPORTS
from engine.functions import Effects
from engine.models import CaseStatus, ProcessVersion
from engine.steps import load_for_step, offer_loaded

REPORT = DEMO_REPORTS[0]  # a level-1-sized report at a demo ward
REPORTER = {"name": "Nguyễn A", "phone": "0903000111"}
AGENCIES = ("police", "market-mgmt")
RESULT = {"findings": "Cơ sở tiêm filler không phép", "measures": ["fine", "suspension"], "fine_amount": 50000000,
          "citizen_summary": "Đã xử phạt 50 triệu đồng và đình chỉ hoạt động."}

ACTORS = {
    "intake": Actor("intake", frozenset({"intake"}), "rrt"),
    "ward": Actor("ward", frozenset({"handling_unit"}), "ward-ben-thanh"),
    "inspectorate": Actor("inspectorate", frozenset({"handling_unit"}), "inspectorate"),
    "inspector": Actor("inspector", frozenset({"inspector"}), None),
    "police": Actor("police", frozenset({"coordinator"}), "police"),
    "market-mgmt": Actor("market", frozenset({"coordinator"}), "market-mgmt"),
}
CITIZEN = "citizen"


@dataclass(frozen=True)
class Step:
    task: str
    actor: str  # a key of ACTORS, or CITIZEN (the reporter, by tracking code)
    data: dict[str, Any] = field(default_factory=dict)
    unit: str | None = None  # which of several open tasks of the same name (one per agency)


def steps(level: int) -> list[Step]:
    """The user tasks of one lifecycle at `level`, in the order staff and the citizen do them."""
    handler = "ward" if level == 1 else "inspectorate"
    classify = {"level": level, "handling_unit": "ward-ben-thanh" if level == 1 else "inspectorate",
                "classification_note": "Phân loại"}
    if level == 3:
        classify["agencies"] = list(AGENCIES)
    plan = [Step("screen", "intake", {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}),
            Step("classify", "intake", classify),
            Step("start_handling", handler, {"handling_plan": "Kiểm tra đột xuất"})]
    if level == 3:
        plan += [Step("acknowledge_request", agency, {"acknowledged_by": "Cán bộ trực"}, agency)
                 for agency in AGENCIES]
        plan += [Step("contribute_findings", agency, {"agency_findings": "Đã xác minh", "urgent_phone_contact": False},
                      agency) for agency in AGENCIES]
        plan += [Step("coordinate", handler, {"action": "finish"})]
    plan += [Step("enter_result", handler, RESULT),
             Step("verify_result", "inspector", {"verification": "accept"}),
             Step("citizen_feedback", CITIZEN, {"resolved": True, "rating": 5, "feedback_comment": "Cảm ơn"})]
    return plan


def level_of(index: int) -> int:
    return (1, 2, 3)[index % 3]


def run_persisted(factory: sessionmaker[Session], level: int) -> int:
    """One lifecycle through the services, one transaction per step. Returns the case id."""
    with transaction(factory) as session:
        case = cases.submit_report(session, REPORT, REPORTER)
        case_id, code = case.id, case.code
    for step in steps(level):
        actor = Actor.citizen(code) if step.actor == CITIZEN else ACTORS[step.actor]
        with transaction(factory) as session:  # as a submitted task page: one load serves the check and the step
            case, open_tasks = load_for_step(session, case_id)
            item = next(i for i in open_tasks
                        if i.task_name == step.task and (step.unit is None or i.unit == step.unit))
            offer_loaded(session, case, open_tasks)
            case = cases.complete_task(session, actor, case_id, item.task_id, step.data)
    if case.status != CaseStatus.CLOSED.value:
        raise AssertionError(f"case {case_id} ended as {case.status}, not closed")
    return case_id


def run_in_memory(parsed: versions.ParsedProcess, level: int) -> None:
    """The same lifecycle on SpiffWorkflow in memory: start, then find each READY task and complete it."""
    wf = workflows.start(parsed, {"report": REPORT, "received_at": now().isoformat(), "case_code": "BENCH-00000"},
                         Effects())
    for step in steps(level):
        info = next(t for t in workflows.ready_tasks(wf)
                    if t.name == step.task and (step.unit is None or t.unit == step.unit))
        workflows.complete(wf, workflows.find_task(wf, info.id), step.data)
    if not wf.is_completed():
        raise AssertionError("the in-memory workflow did not complete")


def timed_runs(run: Callable[[int], Any], count: int, warmup: int = 3) -> dict[int, list[float]]:
    """Seconds per lifecycle, by level, after `warmup` untimed lifecycles."""
    return timed_side_by_side({"only": run}, count, warmup)["only"]


def timed_side_by_side(runs: dict[str, Callable[[int], Any]], count: int, warmup: int = 3
                       ) -> dict[str, dict[int, list[float]]]:
    """Like `timed_runs` for several ways of running a lifecycle, taking turns lifecycle by lifecycle (so that
    the load of a shared machine falls on all of them alike)."""
    for index in range(warmup):
        for run in runs.values():
            run(level_of(index))
    times: dict[str, dict[int, list[float]]] = {name: {1: [], 2: [], 3: []} for name in runs}
    for index in range(count):
        level = level_of(index)
        for name, run in runs.items():
            start = time.perf_counter()
            run(level)
            times[name][level].append(time.perf_counter() - start)
    return times


def load_version(factory: sessionmaker[Session], version_id: int) -> ProcessVersion:
    """The version with its (deferred) bundle loaded, usable after the session ends."""
    with transaction(factory) as session:
        return session.get(ProcessVersion, version_id, options=[undefer(ProcessVersion.bundle)])


def step_count(level: int) -> int:
    """Transactions of one persisted lifecycle: the report plus one per user task."""
    return 1 + len(steps(level))
