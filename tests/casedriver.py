"""Drive whole cases through the engine services the way staff would, for scenario tests."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from engine import cases, inbox, timers
from engine.accounts import actor_of
from engine.actors import Actor
from engine.clock import FrozenClock
from engine.db import transaction
from engine.events import case_events
from engine.models import Case, InboxItem, Notification, User

# a reporter's contact (only staff who may see it ever do)
REPORTER = {"name": "Nguyễn Thị Mai", "phone": "0909123456", "email": "mai.reporter@example.org"}
REPORT = {
    "category": "cosmetic_surgery",
    "description": "Cơ sở tiêm filler không phép tại tầng 2, có nhiều khách ra vào buổi tối.",
    "facility_name": "Spa Hoa Hồng",
    "address": "12 Lê Lợi",
    "ward": "ward-ben-thanh",
}


class CaseDriver:
    def __init__(self, factory, clock: FrozenClock):
        self.factory = factory
        self.clock = clock

    def report(self, reporter: dict[str, str] | None = None, **overrides: Any) -> int:
        """A citizen's report (REPORT with `overrides`), by a reporter who gave a name unless told otherwise."""
        with transaction(self.factory) as session:
            return cases.submit_report(session, {**REPORT, **overrides},
                                       {"name": "Nguyễn A"} if reporter is None else reporter).id

    def actor(self, username: str):
        with transaction(self.factory) as session:
            return actor_of(session.scalar(select(User).where(User.username == username)))

    def open_tasks(self, case_id: int) -> list[InboxItem]:
        with transaction(self.factory) as session:
            return inbox.case_tasks(session, case_id)

    def task_names(self, case_id: int) -> list[str]:
        return sorted(t.task_name for t in self.open_tasks(case_id))

    def task(self, case_id: int, name: str, unit: str | None = None) -> InboxItem:
        matches = [t for t in self.open_tasks(case_id) if t.task_name == name and (unit is None or t.unit == unit)]
        assert matches, f"no open task {name!r} (unit {unit}); open: {self.task_names(case_id)}"
        return matches[0]

    def do(self, username: str, case_id: int, name: str, data: dict[str, Any], unit: str | None = None) -> Case:
        item = self.task(case_id, name, unit)
        with transaction(self.factory) as session:
            return cases.complete_task(session, self.actor(username), case_id, item.task_id, data)

    def do_as_citizen(self, case_id: int, data: dict[str, Any]) -> Case:
        """The reporter answers through the portal, identified by the tracking code."""
        item = self.task(case_id, "citizen_feedback")
        with transaction(self.factory) as session:
            case = cases.get_case(session, case_id)
            return cases.complete_task(session, Actor.citizen(case.code), case_id, item.task_id, data)

    def case(self, case_id: int) -> Case:
        """The case row with its (deferred) workflow document loaded, for use after the session ends."""
        with transaction(self.factory) as session:
            return session.get(Case, case_id, options=[undefer(Case.workflow_json)])

    def inbox_of(self, username: str) -> list[InboxItem]:
        with transaction(self.factory) as session:
            return inbox.inbox(session, self.actor(username))

    def events(self, case_id: int) -> list[str]:
        with transaction(self.factory) as session:
            return [e.kind for e in case_events(session, case_id)]

    def notifications(self, case_id: int, *, assignments: bool = False) -> list[tuple[str, str]]:
        """(kind, role) of the case's notifications in order; new-task announcements only when asked for."""
        with transaction(self.factory) as session:
            rows = session.scalars(select(Notification).where(Notification.case_id == case_id)
                                   .order_by(Notification.id))
            return [(n.kind, n.role) for n in rows if assignments or n.kind != "assignment"]

    def recipients(self, case_id: int) -> list[tuple[str, str, str | None]]:
        """(kind, role, unit) of the case's notifications in order, new-task announcements left out."""
        with transaction(self.factory) as session:
            rows = session.scalars(select(Notification).where(Notification.case_id == case_id,
                                                              Notification.kind != "assignment")
                                   .order_by(Notification.id))
            return [(n.kind, n.role, n.unit) for n in rows]

    def advance(self, **delta: float) -> timers.SweepResult:
        """Move the clock and let the timer worker do one sweep."""
        self.clock.advance(**delta)
        return timers.run_once(self.factory)

    def hours_since_start(self, when) -> float:
        return (when - self.clock.now()).total_seconds() / 3600 if when else float("nan")


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
