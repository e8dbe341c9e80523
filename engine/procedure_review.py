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

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from operator import itemgetter

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import and_, case, func, null, or_, select
from sqlalchemy.orm import Session

from . import versions
from .briefings import period_bounds
from .errors import NotFound, ValidationError
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
    measured: int = 0  # passes with a known wait
    median_hours: float | None = None
    p90_hours: float | None = None

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
    """The figures of every user task and timer of `version` for `period` ("2026-Q4" or "2026-W48").

    Counted in SQL, whatever the number of cases: per element passes, distinct cases and repeats by GROUP BY; the
    waits come sorted by the database as one narrow column for the median and nearest-rank p90 (`_waits`).
    """
    start, end = parse_period(period)
    elements = _elements(version)
    of_version = _version_scope(session, version)
    in_period = (CaseEvent.at >= start, CaseEvent.at < end)
    # DISTINCT and GROUP BY in two steps (not count(DISTINCT …)): PostgreSQL hashes them instead of sorting
    seen = of_version(select(CaseEvent.case_id), CaseEvent.case_id).where(*in_period).distinct().subquery()
    cases = session.scalar(select(func.count()).select_from(seen)) or 0
    events = of_version(_events(elements), CaseEvent.case_id).where(*in_period).subquery()
    per_case = (select(events.c.element, events.c.case_id, func.count().label("n"))
                .group_by(events.c.element, events.c.case_id).subquery())
    for element_id, case_count, passes in session.execute(
            select(per_case.c.element, func.count(), func.sum(per_case.c.n)).group_by(per_case.c.element)):
        passes = int(passes)
        figures = elements[element_id]
        figures.cases, figures.passes, figures.repeats = case_count, passes, passes - case_count
    rework_taken = _rework_taken(session, of_version, in_period)
    _waits(session, events, elements)
    for task_name, waiting in session.execute(
            of_version(select(InboxItem.task_name, func.count()), InboxItem.case_id).group_by(InboxItem.task_name)):
        if task_name in elements:
            elements[task_name].waiting_now = waiting
    rework = [Rework(name, element_id, rework_taken.get(element_id, 0), elements[element_id].passes)
              for name, (element_id, _f, _v) in REWORK.items() if element_id in elements]
    return ProcedureReview(version.process_id, version.number, period, start, end, cases,
                           list(elements.values()), rework)


def _version_scope(session: Session, version: ProcessVersion):
    """How a query keeps the rows of the version's cases, given the column holding the case id.

    Exact in every case. When no case of another version has an id between the version's first and last case (the
    usual picture: a new version takes the new cases), a range on the case id does it — read from the same index
    as the rest, without visiting `cases`; else (cases moved between versions) a join on `cases`."""
    low, high = session.execute(select(func.min(Case.id), func.max(Case.id))
                                .where(Case.process_version_id == version.id)).one()
    others = session.scalars(select(ProcessVersion.id).where(ProcessVersion.id != version.id)).all()
    interleaved = low is not None and any(
        session.scalar(select(Case.id).where(Case.process_version_id == other, Case.id.between(low, high)).limit(1))
        for other in others)
    if low is None or interleaved:
        return lambda query, case_id: query.join(Case, Case.id == case_id).where(
            Case.process_version_id == version.id)
    # `+ 0`: a filter only; the period (`at`) leads the index search, not a case-id range as wide as the table
    return lambda query, case_id: query.where((case_id + 0).between(low, high))


def _events(elements: dict[str, ElementFigures]):
    """One row per counted event: case, element id, wait in seconds (tasks with a known wait).

    Only columns of the index `ix_case_events_review` are read: an index-only scan on both databases."""
    tasks = [e.element_id for e in elements.values() if e.kind == "task"]
    timers = [e.element_id for e in elements.values() if e.kind == "timer"]
    names = [elements[t].name for t in timers]
    by_name = {elements[t].name: t for t in timers if names.count(elements[t].name) == 1}
    named = case(by_name, value=CaseEvent.task_name, else_=null()) if by_name else null()
    timer_element = case((CaseEvent.element.in_(timers), CaseEvent.element), else_=named) if timers else named
    element = case((CaseEvent.kind == "task_completed", CaseEvent.element), else_=timer_element)
    counted = or_(and_(CaseEvent.kind == "task_completed", CaseEvent.element.in_(tasks)),
                  and_(CaseEvent.kind == "timer_fired", timer_element.is_not(None)))
    return select(CaseEvent.case_id, element.label("element"), CaseEvent.wait_seconds.label("wait")).where(counted)


def _rework_taken(session: Session, of_version, in_period) -> dict[str, int]:
    """How often each rework loop was taken: the deciding task's completions with the "back again" value (the
    form data is read only for these few rows)."""
    taken = {}
    for element_id, field_name, value in REWORK.values():
        taken[element_id] = session.scalar(
            of_version(select(func.count()).select_from(CaseEvent), CaseEvent.case_id)
            .where(*in_period, CaseEvent.kind == "task_completed", CaseEvent.element == element_id,
                   CaseEvent.detail[("data", field_name)].as_string() == value)) or 0
    return taken


def _waits(session: Session, events, elements: dict[str, ElementFigures]) -> None:
    """Median (the mean of the two middle waits when even) and nearest-rank p90 of each task's waits: the waits come
    as one narrow column sorted by the database (element, wait), and the ranks are picked from it. (Ranking with
    window functions in SQL gives the same numbers but costs SQLite three times as much.)"""
    rows = session.connection().execute(  # Core: plain tuples, no ORM result processing for ~10,000s of rows
        select(events.c.element, events.c.wait).where(events.c.wait.is_not(None))
        .order_by(events.c.element, events.c.wait)).tuples().all()
    for element_id, group in groupby(rows, key=itemgetter(0)):
        waits = [float(wait) / 3600 for _element, wait in group]
        n = len(waits)
        figures = elements[element_id]
        figures.measured = n
        figures.median_hours = round((waits[(n - 1) // 2] + waits[n // 2]) / 2, 2)
        figures.p90_hours = round(waits[max(1, math.ceil(n * 9 / 10)) - 1], 2)


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

