"""The materialized inbox: READY manual tasks as rows, refreshed after every engine step.

Inbox pages read only these rows; they never deserialize a workflow.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from . import case_filters
from .actors import Actor
from .clock import now
from .deadlines import overdue_clause
from .models import Case, InboxItem, Role, User, UserRole
from .workflows import TaskInfo


def refresh(session: Session, case: Case, tasks: Iterable[TaskInfo], existing: list[InboxItem] | None = None
            ) -> tuple[list[InboxItem], list[InboxItem]]:
    """Make the case's inbox rows equal to its READY tasks, keeping claims of tasks still open. `existing` are
    the case's rows when the caller has them (read otherwise). The changes are written at the next flush.

    A row of a task that is done takes the next new task of the case (one UPDATE where a DELETE and an INSERT
    would be two round trips): it gets the new task's id, names, unit, due time, no claim and a fresh
    `created_at` — nothing refers to an inbox row's own id. Returns the rows that are new (tasks that just became
    ready) and all the case's rows now."""
    wanted = {t.id: t for t in tasks}
    rows = case_tasks(session, case.id) if existing is None else existing
    kept = [item for item in rows if item.task_id in wanted]
    done = [item for item in rows if item.task_id not in wanted]
    have = {item.task_id: item for item in kept}
    added = []
    for task_id, info in wanted.items():
        item = have.get(task_id)
        if item is not None:
            item.unit, item.due_at, item.title = info.unit, info.due_at, info.title
            continue
        if done:
            item = done.pop(0)
            item.claimed_by, item.created_at = None, now()
        else:
            item = InboxItem(case_id=case.id)
            session.add(item)
        item.task_id, item.task_name, item.title, item.role = info.id, info.name, info.title, info.role or ""
        item.unit, item.form, item.due_at = info.unit, info.form, info.due_at
        added.append(item)
    for item in done:
        session.delete(item)
    return added, kept + added


def visible_to(actor: Actor) -> Select[tuple[InboxItem]]:
    """Inbox rows of the actor's roles, limited to the actor's unit where a task belongs to a unit."""
    query = select(InboxItem).where(InboxItem.role.in_(sorted(actor.roles)))
    if actor.unit is None:
        return query.where(InboxItem.unit.is_(None))
    return query.where(or_(InboxItem.unit.is_(None), InboxItem.unit == actor.unit))


def inbox(session: Session, actor: Actor, limit: int = 200) -> list[InboxItem]:
    """The actor's tasks, the nearest deadline first (tasks without a deadline last)."""
    query = (visible_to(actor)
             .order_by(InboxItem.due_at.asc().nulls_last(), InboxItem.id)
             .limit(limit))
    return list(session.scalars(query))


@dataclass(frozen=True)
class InboxFilter:
    """What an inbox page asks for; every field optional."""

    role: str | None = None
    level: int | None = None
    category: str | None = None
    ward: str | None = None
    overdue: bool = False
    claim: str | None = None  # "mine" | "unclaimed"
    code: str | None = None
    sort: str = "due"  # "due" | "received"


@dataclass(frozen=True)
class InboxRow:
    item: InboxItem
    code: str
    category: str | None
    ward: str | None
    level: int | None
    received_at: datetime
    overdue: bool  # the case is overdue, or this task's own deadline has passed
    deadline_at: datetime | None  # the case's deadline


def row_overdue(at: datetime) -> ColumnElement[bool]:
    """SQL: an inbox row is overdue when its case is (see `deadlines`) or the task's own deadline has passed
    (an agency's acknowledgement, a dispute review). Needs the query to join `Case`."""
    return or_(overdue_clause(at), and_(InboxItem.due_at.is_not(None), InboxItem.due_at < at))


def search(session: Session, actor: Actor, wanted: InboxFilter, limit: int = 200) -> list[InboxRow]:
    """The actor's inbox rows with their case summary, filtered and sorted (a join, no workflow loaded)."""
    at = now()
    query = (visible_to(actor).add_columns(Case.code, Case.category, Case.ward, Case.level, Case.received_at,
                                           row_overdue(at), Case.deadline_at)
             .join(Case, Case.id == InboxItem.case_id))
    if wanted.role:
        query = query.where(InboxItem.role == wanted.role)
    query = case_filters.matching(query, level=wanted.level, category=wanted.category, ward=wanted.ward,
                                  code=wanted.code)
    if wanted.overdue:
        query = query.where(row_overdue(at))
    if wanted.claim == "mine":
        query = query.where(InboxItem.claimed_by == actor.username)
    elif wanted.claim == "unclaimed":
        query = query.where(InboxItem.claimed_by.is_(None))
    if wanted.sort == "received":
        query = query.order_by(Case.received_at, InboxItem.id)
    else:
        query = query.order_by(InboxItem.due_at.asc().nulls_last(), InboxItem.id)  # index ix_inbox_items_role_due
    return [InboxRow(item, code, category, ward, level, received, bool(overdue), deadline)
            for item, code, category, ward, level, received, overdue, deadline in session.execute(query.limit(limit))]


def queue_counts(session: Session, actor: Actor) -> dict[str, int]:
    """How many tasks the actor sees: in all, per role, claimed by the actor, unclaimed, overdue."""
    sub = (visible_to(actor).add_columns(row_overdue(now()).label("is_overdue"))
           .join(Case, Case.id == InboxItem.case_id).subquery())
    total, mine, unclaimed, overdue = session.execute(select(
        func.count(),
        func.coalesce(func.sum(case((sub.c.claimed_by == actor.username, 1), else_=0)), 0),
        func.coalesce(func.sum(case((sub.c.claimed_by.is_(None), 1), else_=0)), 0),
        func.coalesce(func.sum(case((sub.c.is_overdue, 1), else_=0)), 0),
    )).one()
    counts = {"all": total, "mine": mine, "unclaimed": unclaimed, "overdue": overdue}
    counts.update({f"role:{role}": n for role, n in counts_by_role(session, actor).items()})
    return counts


def counts_by_role(session: Session, actor: Actor) -> dict[str, int]:
    sub = visible_to(actor).subquery()
    rows = session.execute(select(sub.c.role, func.count()).group_by(sub.c.role))
    return {role: count for role, count in rows}


def case_tasks(session: Session, case_id: int) -> list[InboxItem]:
    return list(session.scalars(select(InboxItem).where(InboxItem.case_id == case_id)
                                .order_by(InboxItem.id)))


def colleagues(session: Session, actor: Actor) -> dict[tuple[str, str | None], list[User]]:
    """Who a supervisor may give a task to, per (role, unit): active staff of the supervisor's unit."""
    if Role.SUPERVISOR.value not in actor.roles:
        return {}
    query = select(User).join(UserRole).where(User.active.is_(True))
    if actor.unit is not None:
        query = query.where(User.unit_code == actor.unit)
    people: dict[tuple[str, str | None], list[User]] = {}
    for user in session.scalars(query.order_by(User.display_name)).unique():
        for role in user.role_names:
            people.setdefault((role, user.unit_code), []).append(user)
    return people
