"""Report figures for leadership's briefings and the dashboard — SQL aggregates over the cases and their events,
never a workflow document.

Every figure is a *metric*: a condition on cases (`metric_clause`), so the number on a page and the list of the
cases behind it (`cases_behind`) are the same query, counted or listed. Which period a case counts in:

- received (and its breakdowns by level, category, ward, handling unit, channel, agency): received in the period;
- on time / late / pending per level: the case's deadline fell in the period. On time = result published at or
  before the deadline; late = published after it, or still not published and overdue (the one rule of
  `engine.deadlines`) — a late case stays late after it closes; pending = not published, deadline not passed;
- time to result: results published in the period, from receipt to publication (median and 90th percentile);
- screening time: reports received in the period, from receipt to the completed *Screen* task;
- agencies: acknowledgements and contributions completed in the period, from the start of handling (when the
  agencies were asked);
- disputes and reopened: the citizen's "not resolved" and the inspector's "reopen" in the period; the reopen rate is
  reopened cases per result published in the period;
- ratings: the citizen's answers in the period;
- open and overdue now: at the moment of the report (not bound to the period).

Times are medians and 90th percentiles (`engine.report_stats`), never averages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from . import versions
from .actors import Actor
from .caselist import ROW_COLUMNS, CasePage, CaseRow, json_list_has, scope_clause
from .clock import now
from .deadlines import FINISHED_STATUSES, HANDLING_STATUSES, near_deadline_clause, overdue_clause
from .errors import PermissionDenied, ValidationError
from .messages import t
from .models import Case, CaseEvent, CaseStatus, Role, User
from .models_report import AgencyAnswer
from .report_periods import Period
from .report_received import received_by_agency, received_counts
from .report_stats import Durations, hours_between, read_durations

REPORT_ROLES = frozenset({Role.LEADERSHIP, Role.INTAKE, Role.INSPECTOR})
OPEN_STATUSES = HANDLING_STATUSES | {CaseStatus.DISPUTED.value}
DIMENSIONS = {"level": Case.level, "category": Case.category, "ward": Case.ward,
              "handling_unit": Case.handling_unit, "source": Case.source}
METRICS = ("received", "on_time", "late", "pending", "open_now", "overdue_now", "published", "screened",
           "acknowledged", "contributed", "disputed", "reopened", "rated", "open_deadline", "near_deadline")
DEFAULT_LEVEL_HOURS = {1: 24, 2: 48, 3: 72}
PAGE_SIZE = 50
NONE = Durations(0, None, None)


@dataclass(frozen=True)
class ReportFilter:
    """Narrows every figure; `source` (channel), `agency` and `rating` are used by drill-downs."""

    level: int | None = None
    ward: str | None = None
    category: str | None = None
    unit: str | None = None
    source: str | None = None
    agency: str | None = None
    rating: int | None = None

    def check(self) -> None:
        errors = {}
        if self.level is not None and self.level not in (1, 2, 3):
            errors["level"] = t("level_1_2_3")
        if self.rating is not None and self.rating not in range(1, 6):
            errors["rating"] = t("rating_1_5")
        for name in ("ward", "category", "unit", "source", "agency"):
            value = getattr(self, name)
            if value is not None and (len(value) > 60 or not value.isprintable()):
                errors[name] = t("filter_text")
        if errors:
            raise ValidationError(t("invalid_input"), errors)


EVERYTHING = ReportFilter()


@dataclass(frozen=True)
class LevelDeadlines:
    level: int
    on_time: int
    late: int
    pending: int

    @property
    def decided(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.decided if self.decided else None


@dataclass(frozen=True)
class AgencyTimes:
    agency: str
    acknowledgement: Durations
    contribution: Durations


@dataclass(frozen=True)
class Ratings:
    n: int
    counts: dict[int, int]  # 1..5
    not_resolved: int

    @property
    def mean(self) -> float | None:
        return sum(k * v for k, v in self.counts.items()) / self.n if self.n else None


@dataclass
class Report:
    period: Period
    wanted: ReportFilter
    at: datetime
    received: int = 0
    received_by: dict[str, list[tuple[str | int | None, int]]] = field(default_factory=dict)
    deadlines: list[LevelDeadlines] = field(default_factory=list)
    open_now: int = 0
    overdue_now: int = 0
    published: int = 0
    time_to_result: Durations = Durations(0, None, None)
    time_to_result_by_level: dict[int, Durations] = field(default_factory=dict)
    screening: Durations = Durations(0, None, None)
    agencies: list[AgencyTimes] = field(default_factory=list)
    disputed: int = 0
    reopened: int = 0
    ratings: Ratings = Ratings(0, {}, 0)

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.published if self.published else None

    @property
    def late(self) -> int:
        return sum(d.late for d in self.deadlines)

    @property
    def on_time(self) -> int:
        return sum(d.on_time for d in self.deadlines)


def may_report(actor: Actor) -> bool:
    return bool(actor.roles & REPORT_ROLES)


def check_access(actor: Actor, wanted: ReportFilter) -> None:
    if not may_report(actor):
        raise PermissionDenied(t("reports_roles_only"))
    wanted.check()


def _in(column, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _event_cases(period: Period, *conditions) -> ColumnElement[bool]:
    return Case.id.in_(select(CaseEvent.case_id).where(_in(CaseEvent.at, period), *conditions))


def _completed(task_name: str):
    return and_(CaseEvent.kind == "task_completed", CaseEvent.task_name == task_name)


def _rating_value():
    return CaseEvent.detail[("data", "rating")].as_integer()


def filter_clauses(actor: Actor, wanted: ReportFilter) -> list[ColumnElement[bool]]:
    clauses = []
    scope = scope_clause(actor)
    if scope is not None:
        clauses.append(scope)
    for name in ("level", "ward", "category", "source"):
        value = getattr(wanted, name)
        if value is not None:
            clauses.append(DIMENSIONS[name] == value)
    if wanted.unit is not None:
        clauses.append(Case.handling_unit == wanted.unit)
    if wanted.agency is not None:
        clauses.append(json_list_has(Case.agencies, wanted.agency))
    return clauses


def level_hours(session: Session) -> dict[int, float]:
    """Hours to the deadline per level, from the active version's deadline table."""
    version = versions.find_active_version(session)
    found = versions.deadline_hours(version).levels if version is not None else {}
    return {**DEFAULT_LEVEL_HOURS, **found}


def metric_clause(metric: str, period: Period, at: datetime, wanted: ReportFilter,
                  hours: dict[int, float] | None = None) -> ColumnElement[bool]:
    """The cases behind one figure (see the module's docstring for the period each one counts in)."""
    if metric == "received":
        return _in(Case.received_at, period)
    if metric in DEADLINE_METRICS:
        return and_(_in(Case.deadline_at, period), deadline_outcome(metric, at))
    if metric == "open_now":
        return Case.status.in_(sorted(OPEN_STATUSES))
    if metric == "overdue_now":
        return overdue_clause(at)
    if metric == "open_deadline":  # the risk table: open, classified, deadline running or passed
        return and_(Case.status.in_(sorted(HANDLING_STATUSES)), Case.level.is_not(None),
                    Case.deadline_at.is_not(None))
    if metric == "near_deadline":
        return near_deadline_clause(at, hours or DEFAULT_LEVEL_HOURS)
    if metric == "published":
        return _in(Case.published_at, period)
    if metric == "screened":
        return and_(_in(Case.received_at, period), Case.screened_at.is_not(None))
    if metric in ("acknowledged", "contributed"):
        task = "acknowledge_request" if metric == "acknowledged" else "contribute_findings"
        conditions = [_completed(task)]
        if wanted.agency is not None:
            conditions.append(CaseEvent.actor.in_(select(User.username).where(User.unit_code == wanted.agency)))
        return _event_cases(period, *conditions)
    if metric == "disputed":
        return _event_cases(period, CaseEvent.kind == "status_changed",
                            CaseEvent.to_status == CaseStatus.DISPUTED.value)
    if metric == "reopened":
        return _event_cases(period, *_reopen_conditions())
    if metric == "rated":
        conditions = [_completed("citizen_feedback")]
        if wanted.rating is not None:
            conditions.append(_rating_value() == wanted.rating)
        return _event_cases(period, *conditions)
    raise ValidationError(t("invalid_input"), {"metric": t("unknown_figure")})


DEADLINE_METRICS = ("on_time", "late", "pending")


def deadline_outcome(metric: str, at: datetime) -> ColumnElement[bool]:
    """On time, late or pending at `at`, for a case whose deadline fell in the period (`metric_clause` adds that)."""
    # as engine.deadlines.deadline_state: a published result counts once handling finished (not after a reopen)
    published = and_(Case.published_at.is_not(None), Case.status.in_(sorted(FINISHED_STATUSES)))
    if metric == "on_time":
        return and_(published, Case.published_at <= Case.deadline_at)
    if metric == "late":
        return or_(and_(published, Case.published_at > Case.deadline_at), overdue_clause(at))
    return and_(Case.status.in_(sorted(HANDLING_STATUSES)), ~overdue_clause(at))


def _reopen_conditions():
    return (CaseEvent.kind == "status_changed", CaseEvent.from_status == CaseStatus.DISPUTED.value,
            CaseEvent.to_status == CaseStatus.IN_HANDLING.value)


def _where(query: Select, clauses) -> Select:
    return query.where(*clauses) if clauses else query


def report(session: Session, actor: Actor, period: Period, wanted: ReportFilter = EVERYTHING,
           at: datetime | None = None) -> Report:
    """Every figure of the dashboard and the briefings for `period`, within the actor's scope."""
    check_access(actor, wanted)
    at = at or now()
    base = filter_clauses(actor, wanted)
    found = Report(period, wanted, at)
    received = [*base, metric_clause("received", period, at, wanted)]
    found.received_by, found.screening = received_counts(session, received, DIMENSIONS)  # screened_at: milestones
    found.received = sum(count for _key, count in found.received_by["level"])
    found.received_by["agency"] = received_by_agency(session, received)
    found.deadlines = _deadlines(session, base, period, at)
    open_cases = _where(select(func.count(), func.count().filter(metric_clause("overdue_now", period, at, wanted)))
                        .select_from(Case), [*base, metric_clause("open_now", period, at, wanted)]).subquery()
    found.open_now, found.overdue_now, found.disputed, found.reopened = session.execute(select(
        open_cases, *(_count(base, metric_clause(metric, period, at, wanted)) for metric in ("disputed", "reopened"))
    )).one()  # one statement (overdue cases are open)
    _times_to_result(session, found, base)
    found.agencies = _agency_times(session, base, period)
    found.ratings = _ratings(session, base, period)
    return found


def _count(base, clause):
    return _where(select(func.count()).select_from(Case), [*base, clause]).scalar_subquery()


def _deadlines(session: Session, base, period: Period, at: datetime) -> list[LevelDeadlines]:
    due = [*base, _in(Case.deadline_at, period), Case.level.is_not(None)]
    levels = (1, 2, 3)  # the only levels (ck_cases_level)
    if session.get_bind().dialect.name == "sqlite":  # no hash aggregation: nine counts in one pass over the rows
        # instead of a GROUP BY sorting them (a quarter's deadlines: 5.4 ms instead of 6.9 ms; PostgreSQL's
        # hash-aggregated groups stay faster, 4.6 ms against 11 ms for the nine counts)
        outcomes = [deadline_outcome(metric, at) for metric in DEADLINE_METRICS]  # built once, used per level
        counts = session.execute(_where(select(*(
            func.count().filter(and_(Case.level == level, outcome)) for level in levels for outcome in outcomes))
            .select_from(Case), due)).one()
        return [LevelDeadlines(level, *counts[3 * index:3 * index + 3]) for index, level in enumerate(levels)]

    def flag(metric: str):  # the rows are the period's deadlines already: only the outcome is tested per row
        return func.sum(sql_case((deadline_outcome(metric, at), 1), else_=0))

    rows = session.execute(_where(select(Case.level, *(flag(metric) for metric in DEADLINE_METRICS)), due)
                           .group_by(Case.level).order_by(Case.level)).all()
    by_level = {level: LevelDeadlines(level, int(a or 0), int(b or 0), int(c or 0)) for level, a, b, c in rows}
    return [by_level.get(level, LevelDeadlines(level, 0, 0, 0)) for level in levels]


def _times_to_result(session: Session, found: Report, base) -> None:
    taken = hours_between(Case.received_at, Case.published_at)
    published = [*base, _in(Case.published_at, found.period)]
    per_level = read_durations(session, taken, published, (Case.level,), total=True)
    found.time_to_result = per_level.get((), NONE)
    found.published = found.time_to_result.n  # a published case has both times
    found.time_to_result_by_level = {level: per_level.get((level,), NONE) for level in (1, 2, 3)}


def _agency_times(session: Session, base, period: Period) -> list[AgencyTimes]:
    """From the start of handling (when the agencies are asked) to each agency's acknowledgement and contribution;
    the agency is the unit of the coordinator who completed the task (kept on write: engine/report_milestones.py)."""
    clauses = [_in(AgencyAnswer.at, period)]
    if base:  # scope and filters are conditions on the case
        clauses.append(AgencyAnswer.case_id.in_(select(Case.id).where(*base)))
    found = read_durations(session, hours_between(AgencyAnswer.started_at, AgencyAnswer.at), clauses,
                             (AgencyAnswer.agency, AgencyAnswer.task_name))
    agencies = sorted({agency for agency, _task in found})
    return [AgencyTimes(agency, found.get((agency, "acknowledge_request"), NONE),
                        found.get((agency, "contribute_findings"), NONE)) for agency in agencies]


def _ratings(session: Session, base, period: Period) -> Ratings:
    rating = _rating_value()
    resolved = CaseEvent.detail[("data", "resolved")].as_boolean()
    query = (select(rating, func.count(), func.count().filter(resolved.is_(False)))
             .where(_completed("citizen_feedback"), _in(CaseEvent.at, period)))
    if base:  # scope and filters are conditions on the case
        query = query.join(Case, Case.id == CaseEvent.case_id).where(*base)
    rows = session.execute(query.group_by(rating)).all()
    counts = {value: 0 for value in range(1, 6)}
    not_resolved = 0
    for value, count, unresolved in rows:
        if value in counts:
            counts[value] += count
        not_resolved += unresolved
    return Ratings(sum(counts.values()), counts, not_resolved)


def cases_behind(session: Session, actor: Actor, metric: str, period: Period,
                 wanted: ReportFilter = EVERYTHING, page: int = 1, at: datetime | None = None,
                 page_size: int = PAGE_SIZE) -> CasePage:
    """The cases a figure counts, one page, newest first (the same condition as the figure)."""
    check_access(actor, wanted)
    at = at or now()
    hours = level_hours(session) if metric == "near_deadline" else None
    clauses = [*filter_clauses(actor, wanted), metric_clause(metric, period, at, wanted, hours)]
    query = _where(select(*ROW_COLUMNS), clauses)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    rows = session.execute(query.order_by(Case.received_at.desc(), Case.id.desc())
                           .limit(page_size).offset((page - 1) * page_size))
    return CasePage([CaseRow(*row) for row in rows], total, page, page_size)

