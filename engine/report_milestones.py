"""Milestones of a case kept on its row for the reports: when it was first screened and when handling first started.

The report figures need them for every case of a period (screening time; agencies' times from the start of handling);
reading them from the event log means one lookup per case. They are written with the event that marks them
(`engine.events.record`: the first completed *Screen* and *Start handling* task) and filled for older cases from
the event log by `backfill` (the migration that added them runs it).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Connection

from .models import Case, CaseEvent

MILESTONES = {"screen": "screened_at", "start_handling": "handling_started_at"}


def note(case: Case, kind: str, task_name: str | None, at: datetime) -> None:
    """Keep the first time of a milestone task (a task done again, e.g. after a reopen, does not move it)."""
    column = MILESTONES.get(task_name or "") if kind == "task_completed" else None
    if column is not None and getattr(case, column) is None:
        setattr(case, column, at)


def backfill(connection: Connection) -> None:
    """Every milestone still empty, from the earliest matching event of the case (one UPDATE per milestone)."""
    for task_name, column in MILESTONES.items():
        first = (select(func.min(CaseEvent.at))
                 .where(CaseEvent.case_id == Case.id, and_(CaseEvent.kind == "task_completed",
                                                           CaseEvent.task_name == task_name))
                 .scalar_subquery())
        connection.execute(update(Case).where(getattr(Case, column).is_(None)).values({column: first})
                           .execution_options(synchronize_session=False))
