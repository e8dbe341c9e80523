"""The append-only case event log (later the case timeline) and the administrative audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import now
from .functions import parse_timestamp
from .models import AuditEntry, Case, CaseEvent
from .report_milestones import note


def record(session: Session, case: Case, actor: str, kind: str, *, task_name: str | None = None,
           from_status: str | None = None, to_status: str | None = None,
           detail: dict[str, Any] | None = None) -> CaseEvent:
    event = CaseEvent(case_id=case.id, at=now(), actor=actor, kind=kind, task_name=task_name,
                      from_status=from_status, to_status=to_status or case.status, detail=detail or {})
    event.element, event.wait_seconds = review_columns(kind, task_name, event.at, event.detail)
    session.add(event)
    note(session, case, event)  # the report's milestones on the case row
    return event


def review_columns(kind: str, task_name: str | None, at: datetime, detail: dict[str, Any]
                   ) -> tuple[str | None, float | None]:
    """The element (a completed task's id, a fired timer's id) and a completed task's wait in seconds (from
    `opened_at`, at least 0), kept in columns so the quarterly review reads them from an index."""
    if kind == "timer_fired":
        return (str(detail["element"])[:100] if detail.get("element") else None), None
    if kind != "task_completed":
        return None, None
    try:
        wait = max(0.0, (at - parse_timestamp(detail.get("opened_at"))).total_seconds())
    except ValueError:
        wait = None  # missing or damaged: a pass without a wait
    return task_name, wait


def audit(session: Session, actor: str, kind: str, detail: dict[str, Any] | None = None) -> AuditEntry:
    entry = AuditEntry(at=now(), actor=actor, kind=kind, detail=detail or {})
    session.add(entry)
    return entry


def case_events(session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                .order_by(CaseEvent.at, CaseEvent.id)))
