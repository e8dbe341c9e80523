"""The materialized inbox: READY manual tasks as rows, refreshed after every engine step.

Inbox pages read only these rows; they never deserialize a workflow.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from .models import Case, InboxItem
from .workflows import TaskInfo


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user's name, roles and unit (None = not bound to one unit)."""

    username: str
    roles: frozenset[str]
    unit: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(name, frozenset())

    @classmethod
    def citizen(cls, tracking_code: str) -> Actor:
        """The reporter of one case, identified only by that case's tracking code."""
        return cls(f"citizen:{tracking_code}", frozenset({"citizen"}))


def refresh(session: Session, case: Case, tasks: Iterable[TaskInfo]) -> None:
    """Make the case's inbox rows equal to its READY tasks, keeping claims of tasks still open."""
    wanted = {t.id: t for t in tasks}
    existing = {i.task_id: i for i in session.scalars(select(InboxItem).where(InboxItem.case_id == case.id))}
    gone = [task_id for task_id in existing if task_id not in wanted]
    if gone:
        session.execute(delete(InboxItem).where(InboxItem.task_id.in_(gone)))
    for task_id, info in wanted.items():
        item = existing.get(task_id)
        if item is None:
            session.add(InboxItem(case_id=case.id, task_id=info.id, task_name=info.name, title=info.title,
                                  role=info.role or "", unit=info.unit, form=info.form, due_at=info.due_at))
        else:
            item.unit, item.due_at, item.title = info.unit, info.due_at, info.title


def visible_to(actor: Actor) -> Select[tuple[InboxItem]]:
    """Inbox rows of the actor's roles, limited to the actor's unit where a task belongs to a unit."""
    query = select(InboxItem).where(InboxItem.role.in_(sorted(actor.roles)))
    if actor.unit is None:
        return query.where(InboxItem.unit.is_(None))
    return query.where(or_(InboxItem.unit.is_(None), InboxItem.unit == actor.unit))


def inbox(session: Session, actor: Actor, limit: int = 200) -> list[InboxItem]:
    """The actor's tasks, the nearest deadline first (tasks without a deadline last)."""
    query = (visible_to(actor)
             .order_by(InboxItem.due_at.is_(None), InboxItem.due_at, InboxItem.id)
             .limit(limit))
    return list(session.scalars(query))


def counts_by_role(session: Session, actor: Actor) -> dict[str, int]:
    sub = visible_to(actor).subquery()
    rows = session.execute(select(sub.c.role, func.count()).group_by(sub.c.role))
    return {role: count for role, count in rows}


def case_tasks(session: Session, case_id: int) -> list[InboxItem]:
    return list(session.scalars(select(InboxItem).where(InboxItem.case_id == case_id)
                                .order_by(InboxItem.id)))
