"""The agency panel of a level-3 case: per invited agency, when it was invited, acknowledged and contributed, how
late it was, what it confirmed (joint inspection, minutes, written confirmations) and what is still expected from
whom. Read from the case's timeline (events) and its open tasks (inbox): no workflow is loaded."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events, inbox
from .clock import now
from .models import Case, CaseEvent, InboxItem, Role, User

# an overdue notice to an agency → the step it was late with
LATE_STEPS = {"ack_overdue": "acknowledge_request", "contribution_overdue": "contribute_findings",
              "request_overdue": "answer_information_request", "inspection_reply_overdue": "confirm_joint_inspection",
              "minutes_confirm_overdue": "confirm_minutes", "confirmation_overdue": "confirm_in_writing"}
# (the inspectorate's own late steps, e.g. an agency's question answered late, show in its expected tasks)
# steps of an agency that confirm something, shown with what was answered
CONFIRMATIONS = ("confirm_joint_inspection", "confirm_minutes", "confirm_in_writing", "answer_information_request")


@dataclass(frozen=True)
class Confirmation:
    task_name: str
    at: datetime
    data: dict[str, Any]


@dataclass
class AgencyRow:
    unit: str
    invited_at: datetime | None = None
    acknowledged_at: datetime | None = None
    contributed_at: datetime | None = None
    late_by: timedelta | None = None
    late_steps: list[str] = field(default_factory=list)
    confirmations: list[Confirmation] = field(default_factory=list)
    expected: list[InboxItem] = field(default_factory=list)  # its open tasks, with their due times


@dataclass(frozen=True)
class AgencyPanel:
    agencies: list[AgencyRow]
    inspectorate_expected: list[InboxItem]  # the handling unit's open tasks (coordination, minutes, result)


def agency_panel(session: Session, case: Case) -> AgencyPanel | None:
    """The panel of a case that coordinates with agencies; None for a case without agencies."""
    if not case.agencies:
        return None
    timeline = events.case_events(session, case.id)
    open_tasks = inbox.case_tasks(session, case.id)
    units_of = _units_of_actors(session, {e.actor for e in timeline})
    rows = {unit: AgencyRow(unit) for unit in case.agencies}
    coordination_started = next((e.at for e in timeline if _completed(e, "start_handling")), None)
    for row in rows.values():
        row.invited_at = coordination_started
    notices: list[tuple[str, str, datetime]] = []
    for event in timeline:
        detail = event.detail or {}
        if event.kind == "agency_invited" and detail.get("unit") in rows:
            rows[detail["unit"]].invited_at = event.at
        elif event.kind == "notified" and detail.get("role") == Role.COORDINATOR and detail.get("unit") in rows:
            if detail.get("kind") in LATE_STEPS:
                notices.append((detail["unit"], detail["kind"], event.at))
        elif event.kind == "task_completed" and units_of.get(event.actor) in rows:
            row = rows[units_of[event.actor]]
            if event.task_name == "acknowledge_request":
                row.acknowledged_at = row.acknowledged_at or event.at
            elif event.task_name == "contribute_findings":
                row.contributed_at = row.contributed_at or event.at
            elif event.task_name in CONFIRMATIONS:
                row.confirmations.append(Confirmation(event.task_name, event.at, dict(detail.get("data") or {})))
    for unit, kind, noticed_at in notices:
        row = rows[unit]
        done = next((e.at for e in timeline if e.at >= noticed_at and _completed(e, LATE_STEPS[kind])
                     and units_of.get(e.actor) == unit), None)
        late = (done or now()) - noticed_at
        row.late_steps.append(kind)
        row.late_by = max(row.late_by or timedelta(0), late)
    for item in open_tasks:
        if item.role == Role.COORDINATOR and item.unit in rows:
            rows[item.unit].expected.append(item)
    inspectorate = [t for t in open_tasks if t.role == Role.HANDLING_UNIT]
    return AgencyPanel([rows[unit] for unit in case.agencies], inspectorate)


def _completed(event: CaseEvent, task_name: str) -> bool:
    return event.kind == "task_completed" and event.task_name == task_name


def _units_of_actors(session: Session, usernames: set[str]) -> dict[str, str | None]:
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.unit_code).where(User.username.in_(usernames)))
    return {username: unit for username, unit in rows}
