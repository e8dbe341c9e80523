"""The quarterly review of the procedure: per diagram element of one version of the procedure, for a period, how
many cases passed through it, how long tasks waited there (median and 90th percentile), how often each timer
(reminder, escalation, auto-close) fired, and how often the rework loops were taken.

Everything is read from the case event log (`case_events`), never from workflow documents:
- a user task's pass is its `task_completed` event (task_name = the element id). Its wait runs from the moment
  the task became ready (`detail.opened_at`, recorded since this module exists) to its completion; events written
  before carry no `opened_at` and count as passes without a wait;
- a timer's firing is its `timer_fired` event (`detail.element` is the element id since this module exists;
  before, only the element's name was recorded: it is matched to the diagram's timer of that name when the name
  is unique, else not counted);
- rework: verification rejected (`verify_result` completed with `verification == "reject"`), disputes reopened
  (`review_dispute` with `dispute_decision == "reopen"`), and per element the passes beyond a case's first.
A case counts for the version it runs on (`cases.process_version_id`); an event counts in the period it happened.
"""
from __future__ import annotations

import contextlib
import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import versions
from .briefings import period_bounds
from .errors import NotFound, ValidationError
from .functions import parse_timestamp
from .models import Case, CaseEvent, InboxItem, ProcessVersion

SMALL_SAMPLE = 5  # fewer waits than this: the median and p90 say little, and the page says so
# Rework loops of the procedure: (task element, form field, value meaning "back again")
REWORK = {
    "verification_rejected": ("verify_result", "verification", "reject"),
    "dispute_reopened": ("review_dispute", "dispute_decision", "reopen"),
}


@dataclass
class ElementFigures:
    element_id: str
    name: str
    kind: str  # "task" or "timer"
    lane_or_role: str | None  # a task's lane (role), a timer's timerRole
    cases: int = 0  # distinct cases that passed (completed the task / had the timer fire)
    passes: int = 0  # completions or firings
    repeats: int = 0  # passes beyond the first on the same case (rework)
    waiting_now: int = 0  # open tasks of this version at this element, now
    waits_hours: list[float] = field(default_factory=list, repr=False)

    @property
    def median_hours(self) -> float | None:
        return round(statistics.median(self.waits_hours), 2) if self.waits_hours else None

    @property
    def p90_hours(self) -> float | None:
        return round(percentile(self.waits_hours, 90), 2) if self.waits_hours else None

    @property
    def measured(self) -> int:
        return len(self.waits_hours)

    @property
    def small_sample(self) -> bool:
        return self.kind == "task" and 0 < self.measured < SMALL_SAMPLE


@dataclass(frozen=True)
class Rework:
    name: str
    element_id: str
    taken: int  # how often the loop was taken
    out_of: int  # completions of the deciding task

    @property
    def rate(self) -> float | None:
        return round(self.taken / self.out_of, 3) if self.out_of else None


@dataclass(frozen=True)
class ProcedureReview:
    process_id: str
    version_number: int
    period: str
    start: datetime
    end: datetime
    cases: int  # distinct cases of this version with any step in the period
    elements: list[ElementFigures]
    rework: list[Rework]

    @property
    def last_day(self) -> datetime:
        return self.end - timedelta(days=1)

    def element(self, element_id: str) -> ElementFigures | None:
        return next((e for e in self.elements if e.element_id == element_id), None)


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `pct` % of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def version_by_number(session: Session, number: int, process_id: str = versions.DEFAULT_PROCESS_ID
                      ) -> ProcessVersion:
    found = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                        ProcessVersion.number == number))
    if found is None:
        raise NotFound(f"{process_id} has no version {number}")
    return found


def version_numbers(session: Session, process_id: str = versions.DEFAULT_PROCESS_ID) -> list[int]:
    return list(session.scalars(select(ProcessVersion.number).where(ProcessVersion.process_id == process_id)
                                .order_by(ProcessVersion.number)))


def parse_period(period: str | None) -> tuple[datetime, datetime]:
    try:
        return period_bounds((period or "").strip())
    except ValueError:
        raise ValidationError("the period is not valid", {
            "period": "Kỳ phải có dạng 2026-Q4 (quý) hoặc 2026-W48 (tuần ISO), năm 2000–2099 "
                      "(a quarter like 2026-Q4 or an ISO week like 2026-W48, years 2000–2099)"}) from None


def review(session: Session, version: ProcessVersion, period: str) -> ProcedureReview:
    """The figures of every user task and timer of `version` for `period` ("2026-Q4" or "2026-W48")."""
    start, end = parse_period(period)
    elements = _elements(version)
    names = [e.name for e in elements.values() if e.kind == "timer"]
    by_name = {e.name: e for e in elements.values() if e.kind == "timer" and names.count(e.name) == 1}
    seen_cases: set[int] = set()
    per_case: dict[tuple[str, int], int] = {}
    rework_taken = dict.fromkeys(REWORK, 0)
    rework_out_of = dict.fromkeys(REWORK, 0)
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.task_name, CaseEvent.at,
                                  CaseEvent.detail)
                           .join(Case, Case.id == CaseEvent.case_id)
                           .where(Case.process_version_id == version.id, CaseEvent.at >= start, CaseEvent.at < end))
    for case_id, kind, task_name, at, detail in rows:
        seen_cases.add(case_id)
        detail = detail or {}
        if kind == "task_completed":
            figures = elements.get(task_name or "")
            if figures is None or figures.kind != "task":
                continue
            _count(figures, case_id, per_case)
            opened = detail.get("opened_at")
            if opened:
                with contextlib.suppress(ValueError):  # a damaged value: a pass without a wait
                    figures.waits_hours.append(max(0.0, (at - parse_timestamp(opened)).total_seconds() / 3600))
            data = detail.get("data") if isinstance(detail.get("data"), dict) else {}
            for name, (element_id, field_name, value) in REWORK.items():
                if task_name == element_id:
                    rework_out_of[name] += 1
                    rework_taken[name] += data.get(field_name) == value
        elif kind == "timer_fired":
            figures = elements.get(detail.get("element") or "") or by_name.get(task_name or "")
            if figures is not None and figures.kind == "timer":
                _count(figures, case_id, per_case)
    for task_name, waiting in session.execute(
            select(InboxItem.task_name, func.count()).join(Case, Case.id == InboxItem.case_id)
            .where(Case.process_version_id == version.id).group_by(InboxItem.task_name)):
        if task_name in elements:
            elements[task_name].waiting_now = waiting
    rework = [Rework(name, element_id, rework_taken[name], rework_out_of[name])
              for name, (element_id, _f, _v) in REWORK.items() if element_id in elements]
    return ProcedureReview(version.process_id, version.number, period, start, end, len(seen_cases),
                           list(elements.values()), rework)


def _count(figures: ElementFigures, case_id: int, per_case: dict[tuple[str, int], int]) -> None:
    key = (figures.element_id, case_id)
    before = per_case.get(key, 0)
    per_case[key] = before + 1
    figures.passes += 1
    if before:
        figures.repeats += 1
    else:
        figures.cases += 1


def _elements(version: ProcessVersion) -> dict[str, ElementFigures]:
    """The version's user tasks and timer events, in diagram order, by element id."""
    parsed = versions.parsed(version)
    found: dict[str, ElementFigures] = {}
    for process in (parsed.spec, *parsed.subprocess_specs.values()):
        for spec in process.task_specs.values():
            element_id = getattr(spec, "bpmn_id", None)
            if not element_id or element_id in found:
                continue
            name = getattr(spec, "bpmn_name", None) or element_id
            if getattr(spec, "manual", False):
                found[element_id] = ElementFigures(element_id, name, "task", getattr(spec, "lane", None))
            elif isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
                role = dict((getattr(spec, "extensions", None) or {}).get("properties", {})).get("timerRole")
                found[element_id] = ElementFigures(element_id, name, "timer", role)
    return found


def diagram(version: ProcessVersion) -> str:
    """The diagram the figures are drawn on."""
    return versions.main_diagram(version)

