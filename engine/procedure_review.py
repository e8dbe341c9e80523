"""The quarterly review of the procedure: per diagram element of one version of the procedure, for a period, how
many cases passed through it, how long tasks waited there (median and 90th percentile), how often each timer
(reminder, escalation, auto-close) fired, and how often the rework loops were taken.

Everything comes from the case event log, never from workflow documents — read through its summary kept on write
(engine/review_summary.py, tables in engine/models_review.py):
- a user task's pass is its `task_completed` event (task_name = the element id). Its wait runs from the moment
  the task became ready (`detail.opened_at`, recorded since this module exists) to its completion; events written
  before carry no `opened_at` and count as passes without a wait;
- a timer's firing is its `timer_fired` event (`detail.element` is the element id since this module exists;
  before, only the element's name was recorded: it is matched to the timer of that name in the case's version
  when the name is unique there, else not counted);
- rework: verification rejected (`verify_result` completed with `verification == "reject"`), disputes reopened
  (`review_dispute` with `dispute_decision == "reopen"`), and per element the passes beyond a case's first.
A case counts for the version it runs on (`cases.process_version_id`); an event counts in the period it happened.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from . import report_periods, versions
from .errors import NotFound, ValidationError
from .messages import t
from .models import Case, InboxItem, ProcessVersion
from .models_review import ReviewCaseDay, ReviewPass
from .review_summary import REWORK
from .settings import LOCAL_TZ

SMALL_SAMPLE = 5  # fewer waits than this: the median and p90 say little, and the page says so


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
        raise NotFound(t("version_missing", version=number))
    return found


def version_numbers(session: Session, process_id: str = versions.DEFAULT_PROCESS_ID) -> list[int]:
    return list(session.scalars(select(ProcessVersion.number).where(ProcessVersion.process_id == process_id)
                                .order_by(ProcessVersion.number)))


def parse_period(period: str | None) -> tuple[datetime, datetime]:
    """A quarter or an ISO week, read as the reports read it (engine/report_periods.py); not a range of days."""
    try:
        found = report_periods.parse_period(period)
    except ValidationError:
        found = None
    if found is not None and found.kind != "range":  # local midnights: the review counts local days too
        return found.start.astimezone(LOCAL_TZ), found.end.astimezone(LOCAL_TZ)
    raise ValidationError(t("invalid_input"), {"period": t("period_format")})


def review(session: Session, version: ProcessVersion, period: str) -> ProcedureReview:
    """The figures of every user task and timer of `version` for `period` ("2026-Q4" or "2026-W48").

    Read from the summary kept on write (engine/review_summary.py), whatever the number of cases: per element one
    grouped scan of the period's passes (passes; distinct cases as the passes whose previous pass of the element on
    the case lies before the period; rework loops; waits known), the cases with any event as the active days whose
    previous active day lies before the period, and per task the median and p90 waits picked by rank in the
    database (`_waits`).
    """
    start, end = parse_period(period)
    elements = diagram_elements(version)
    of_version = _version_scope(session, version)
    day = ReviewCaseDay
    cases = session.scalar(of_version(select(func.count()).select_from(day), day.case_id).where(
        day.day >= start.date(), day.day < end.date(), or_(day.prev_day.is_(None), day.prev_day < start.date())))
    in_period = (ReviewPass.element.in_(list(elements)), ReviewPass.at >= start, ReviewPass.at < end)
    counted = session.execute(of_version(
        select(ReviewPass.element, func.count(), _count(or_(ReviewPass.prev_at.is_(None), ReviewPass.prev_at < start)),
               _count(ReviewPass.loop_taken), func.count(ReviewPass.wait_seconds)),
        ReviewPass.case_id).where(*in_period).group_by(ReviewPass.element)).all()
    taken: dict[str, int] = {}
    for element_id, passes, first, loops, measured in counted:
        figures = elements[element_id]
        figures.passes, figures.cases, figures.measured = passes, int(first), measured
        figures.repeats = passes - figures.cases
        taken[element_id] = int(loops)
        if measured:
            _waits(session, of_version(select(ReviewPass.wait_seconds), ReviewPass.case_id)
                   .where(*in_period, ReviewPass.element == element_id, ReviewPass.wait_seconds.is_not(None)),
                   figures)
    for task_name, waiting in session.execute(
            of_version(select(InboxItem.task_name, func.count()), InboxItem.case_id).group_by(InboxItem.task_name)):
        if task_name in elements:
            elements[task_name].waiting_now = waiting
    rework = [Rework(name, element_id, taken.get(element_id, 0), elements[element_id].passes)
              for name, (element_id, _f, _v) in REWORK.items() if element_id in elements]
    return ProcedureReview(version.process_id, version.number, period, start, end, cases or 0,
                           list(elements.values()), rework)


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


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
    # `+ 0`: a filter only; the element and period lead the index search, not a case-id range as wide as the table
    return lambda query, case_id: query.where((case_id + 0).between(low, high))


def _waits(session: Session, waits, figures: ElementFigures) -> None:
    """The median (the mean of the two middle waits when even) and the nearest-rank p90 of one task's waits
    (`figures.measured` of them): the database sorts the period's waits of the task and returns only the ranks
    asked for (the p90 counted from the top, so the sort keeps a tenth of them)."""
    n = figures.measured
    middle = [float(wait) / 3600 for wait in session.scalars(
        waits.order_by(ReviewPass.wait_seconds).offset((n - 1) // 2).limit(n // 2 - (n - 1) // 2 + 1))]
    figures.median_hours = round((middle[0] + middle[-1]) / 2, 2)
    rank = max(1, math.ceil(n * 9 / 10))
    top = session.scalar(waits.order_by(ReviewPass.wait_seconds.desc()).offset(n - rank).limit(1))
    figures.p90_hours = round(float(top) / 3600, 2)


def diagram_elements(version: ProcessVersion) -> dict[str, ElementFigures]:
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

