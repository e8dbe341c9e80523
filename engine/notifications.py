"""In-app notifications (a badge and a list per user) and their e-mails through the outbox."""
from __future__ import annotations

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from . import outbox
from .clock import now
from .inbox import Actor
from .models import Case, Notification, User

# New tasks for these roles are announced: they are work handed to a unit (assignment notifications).
ANNOUNCED_ROLES = frozenset({"handling_unit", "coordinator"})


def add(session: Session, case: Case, kind: str, role: str, *, unit: str | None = None,
        username: str | None = None, task_name: str | None = None) -> Notification:
    """Record a notification and queue its e-mails in the same transaction (nothing sent if it rolls back)."""
    notification = Notification(case_id=case.id, kind=kind, role=role, unit=unit, username=username,
                                task_name=task_name, created_at=now())
    session.add(notification)
    session.flush()
    outbox.enqueue_for_notification(session, notification, case)
    return notification


def visible_to(actor: Actor) -> Select[tuple[Notification]]:
    """Notifications for the actor personally, or for one of the actor's roles (and the actor's unit)."""
    for_role = and_(Notification.username.is_(None), Notification.role.in_(sorted(actor.roles)),
                    or_(Notification.unit.is_(None), Notification.unit == actor.unit))
    return select(Notification).where(or_(Notification.username == actor.username, for_role))


def latest(session: Session, actor: Actor, limit: int = 50) -> list[Notification]:
    query = visible_to(actor).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    return list(session.scalars(query))


def unread_count(session: Session, actor: Actor) -> int:
    seen = session.scalar(select(User.notifications_seen_at).where(User.username == actor.username))
    query = visible_to(actor)
    if seen is not None:
        query = query.where(Notification.created_at > seen)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def mark_read(session: Session, actor: Actor) -> None:
    user = session.scalar(select(User).where(User.username == actor.username))
    if user is not None:
        user.notifications_seen_at = now()
        session.flush()
