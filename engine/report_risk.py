"""The risk view: open cases by time left, as a table of wards × levels.

Each cell counts the open, classified cases of one ward and level, how many are near their deadline (less than a
quarter of the level's hours left, `engine.deadlines.near_deadline_clause`) and how many are past it (the one
rule of overdue). One grouped query; no workflow is loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .actors import Actor
from .clock import now
from .models import Case
from .report_periods import current
from .reports import EVERYTHING, ReportFilter, check_access, filter_clauses, level_hours, metric_clause

LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class RiskCell:
    open: int = 0
    near: int = 0
    past: int = 0

    @property
    def at_risk(self) -> int:
        return self.near + self.past

    @property
    def share(self) -> float | None:
        """The share of open cases near or past the deadline (None for an empty cell)."""
        return self.at_risk / self.open if self.open else None


@dataclass
class RiskTable:
    at: datetime
    hours: dict[int, float]
    rows: dict[str | None, dict[int, RiskCell]] = field(default_factory=dict)  # ward -> level -> cell

    def total(self, level: int | None = None) -> RiskCell:
        cells = [cell for by_level in self.rows.values() for lv, cell in by_level.items()
                 if level is None or lv == level]
        return RiskCell(sum(c.open for c in cells), sum(c.near for c in cells), sum(c.past for c in cells))

    def ward_total(self, ward: str | None) -> RiskCell:
        cells = self.rows.get(ward, {}).values()
        return RiskCell(sum(c.open for c in cells), sum(c.near for c in cells), sum(c.past for c in cells))


def risk_table(session: Session, actor: Actor, wanted: ReportFilter = EVERYTHING,
               at: datetime | None = None) -> RiskTable:
    """Open cases by ward and level within the actor's scope, the wards with the most at risk first."""
    check_access(actor, wanted)
    at = at or now()
    hours = level_hours(session)
    period = current("week", at)  # not used by these figures, which are about now

    def flag(metric: str):
        return func.sum(sql_case((metric_clause(metric, period, at, wanted, hours), 1), else_=0))

    query = (select(Case.ward, Case.level, func.count(), flag("near_deadline"), flag("overdue_now"))
             .where(*filter_clauses(actor, wanted), metric_clause("open_deadline", period, at, wanted))
             .group_by(Case.ward, Case.level))
    table = RiskTable(at, hours)
    for ward, level, count, near, past in session.execute(query):
        table.rows.setdefault(ward, {})[level] = RiskCell(count, int(near or 0), int(past or 0))
    table.rows = dict(sorted(table.rows.items(),
                             key=lambda item: (-table.ward_total(item[0]).at_risk, -table.ward_total(item[0]).open,
                                               item[0] or "")))
    return table
