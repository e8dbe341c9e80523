"""What the report figures read of a case's history, kept on write: when the case was first screened and when
handling first started (columns of the case row), and each agency's answers (`agency_answers`).

The figures need them for every case of a period (screening time; agencies' times from the start of handling);
reading them from the event log means one lookup per case. They are written with the event that marks them
(`engine.events.record`) and filled for older cases from the event log by `backfill` (the migration that added
them runs it).
"""
from __future__ import annotations

from sqlalchemy import func, insert, literal_column, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .models import Case, CaseEvent, User
from .models_report import AgencyAnswer

MILESTONES = {"screen": "screened_at", "start_handling": "handling_started_at"}
AGENCY_TASKS = ("acknowledge_request", "contribute_findings")


def note(session: Session, case: Case, event: CaseEvent) -> None:
    """Keep the first time of a milestone task (done again after a reopen, it does not move) and agencies' answers
    (the agency is the unit of the coordinator who completed the task)."""
    if event.kind != "task_completed":
        return
    column = MILESTONES.get(event.task_name or "")
    if column is not None and getattr(case, column) is None:
        setattr(case, column, event.at)
    if event.task_name in AGENCY_TASKS:
        agency = session.scalar(select(User.unit_code).where(User.username == event.actor))
        if agency is not None:
            session.add(AgencyAnswer(case_id=case.id, task_name=event.task_name, agency=agency, at=event.at,
                                     started_at=case.handling_started_at))


def backfill(connection: Connection) -> None:
    """Every milestone still empty, from the earliest matching event of the case, then the agencies' answers not
    yet kept — set-based statements, no loop over cases."""
    for task_name, column in MILESTONES.items():  # UPDATE … FROM one grouped scan (not a subquery per case)
        first = (select(CaseEvent.case_id, func.min(CaseEvent.at).label("at"))
                 .where(CaseEvent.kind == "task_completed", CaseEvent.task_name == task_name)
                 .group_by(CaseEvent.case_id).subquery())
        connection.execute(update(Case).where(Case.id == first.c.case_id, getattr(Case, column).is_(None))
                           .values({column: first.c.at}))
    kept = (select(literal_column("1")).select_from(AgencyAnswer)
            .where(AgencyAnswer.case_id == CaseEvent.case_id, AgencyAnswer.task_name == CaseEvent.task_name,
                   AgencyAnswer.at == CaseEvent.at).exists())
    answers = (select(CaseEvent.case_id, CaseEvent.task_name, User.unit_code, CaseEvent.at, Case.handling_started_at)
               .join(User, User.username == CaseEvent.actor).join(Case, Case.id == CaseEvent.case_id)
               .where(CaseEvent.kind == "task_completed", CaseEvent.task_name.in_(AGENCY_TASKS),
                      User.unit_code.is_not(None), ~kept))
    connection.execute(insert(AgencyAnswer).from_select(
        ["case_id", "task_name", "agency", "at", "started_at"], answers))
