"""The weekly and quarterly briefing: the report's figures plus the cases leadership discusses — overdue cases
with what they wait for, results published late, and notable cases (level 3, disputes reopened).

Lists are bounded (LIST_LIMIT each, with the full count) and read summary columns, the open tasks from the
materialized inbox and the facility from the report; no workflow is loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from .actors import Actor
from .clock import now
from .models import Case, InboxItem
from .report_periods import Period
from .reports import EVERYTHING, Report, ReportFilter, check_access, filter_clauses, metric_clause, report

KINDS = {"weekly": "week", "quarterly": "quarter"}
LIST_LIMIT = 50


@dataclass(frozen=True)
class WaitingTask:
    title: str
    unit: str | None
    role: str
    due_at: datetime | None


@dataclass(frozen=True)
class BriefingCase:
    id: int
    code: str
    level: int | None
    ward: str | None
    handling_unit: str | None
    facility: str | None
    received_at: datetime
    deadline_at: datetime | None
    published_at: datetime | None
    late_by: timedelta | None  # past the deadline: until publication, or until the report's time
    waiting_for: list[WaitingTask] = field(default_factory=list)


@dataclass
class CaseList:
    total: int
    cases: list[BriefingCase]


@dataclass
class Briefing:
    kind: str  # "weekly" | "quarterly"
    figures: Report
    overdue: CaseList
    published_late: CaseList
    notable: CaseList

    @property
    def period(self) -> Period:
        return self.figures.period

    @property
    def at(self) -> datetime:
        return self.figures.at


def briefing(session: Session, actor: Actor, kind: str, period: Period,
             wanted: ReportFilter = EVERYTHING,
             at: datetime | None = None) -> Briefing:
    """The briefing of `kind` for `period` (a week for weekly, a quarter for quarterly)."""
    check_access(actor, wanted)
    at = at or now()
    figures = report(session, actor, period, wanted, at)
    base = filter_clauses(actor, wanted)

    def cases(*clauses, key) -> CaseList:
        """The count and the first LIST_LIMIT cases in the order of `key` (cases without one last, then by id):
        the ids are sorted by the database from the narrow indexes, then only those cases' rows are read."""
        where = [*base, *clauses]
        total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
        ids = list(session.scalars(select(Case.id).where(*where).order_by(key.is_(None), key, Case.id)
                                   .limit(LIST_LIMIT))) if total else []
        rows = {row[0]: row for row in session.execute(
            select(Case.id, Case.code, Case.level, Case.ward, Case.handling_unit,
                   Case.report["facility_name"].as_string(), Case.received_at, Case.deadline_at,
                   Case.published_at).where(Case.id.in_(ids)))} if ids else {}
        return CaseList(total, [_briefing_case(rows[case_id], at) for case_id in ids])

    level_3 = select(Case.id).where(*base, metric_clause("received", period, at, wanted), Case.level == 3)
    reopened = select(Case.id).where(*base, metric_clause("reopened", period, at, wanted))
    found = Briefing(
        kind, figures,
        overdue=cases(metric_clause("overdue_now", period, at, wanted), key=Case.deadline_at),
        published_late=cases(metric_clause("published", period, at, wanted),
                             Case.published_at > Case.deadline_at, key=Case.published_at),
        notable=cases(Case.id.in_(union(level_3, reopened)), key=Case.received_at))
    _add_waiting_tasks(session, found.overdue.cases + found.notable.cases)
    return found


def _briefing_case(row, at: datetime) -> BriefingCase:
    case_id, code, level, ward, unit, facility, received_at, deadline_at, published_at = row
    end = published_at or at
    late_by = end - deadline_at if deadline_at is not None and end > deadline_at else None
    return BriefingCase(case_id, code, level, ward, unit, facility, received_at, deadline_at, published_at, late_by)


def _add_waiting_tasks(session: Session, cases: list[BriefingCase]) -> None:
    by_id = {}
    for case in cases:
        by_id.setdefault(case.id, []).append(case)
    if not by_id:
        return
    items = session.scalars(select(InboxItem).where(InboxItem.case_id.in_(sorted(by_id)))
                            .order_by(InboxItem.due_at, InboxItem.id))
    for item in items:
        for case in by_id[item.case_id]:
            case.waiting_for.append(WaitingTask(item.title, item.unit, item.role, item.due_at))
