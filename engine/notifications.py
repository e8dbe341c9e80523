"""In-app notifications (a badge and a list per user, grouped per case) and their e-mails through the outbox.

Every notification says which case (code, facility, level), which task and how much time is left, and links
to the task (or to the case when there is no open task for its recipients). Its e-mails are queued once the
engine step is saved (`deliver_pending`), so the task the notification is about is already in the inbox.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ScalarSelect, Select, and_, event, func, or_, select
from sqlalchemy.orm import Session

from . import directory, outbox
from .actors import Actor
from .clock import now
from .inbox import case_tasks
from .models import Case, CaseStatus, InboxItem, Notification, User, UserRole

# New tasks for these roles are announced: they are work handed to a unit (assignment notifications).
ANNOUNCED_ROLES = frozenset({"handling_unit", "coordinator"})
# Statuses in which no handling deadline runs any more.
FINISHED = frozenset({CaseStatus.RESULT_PUBLISHED.value, CaseStatus.CLOSED.value, CaseStatus.NOT_ACCEPTED.value})
_PENDING = "rr_notifications_to_mail"


@dataclass
class About:
    """What a notification is about: its case and the task concerned, with the time left."""

    case: Case
    task: InboxItem | None  # the recipients' open task, when there is one
    task_text: str  # that task's name, else the case's late (or open) tasks with their units
    due_at: datetime | None
    unit_names: dict[str, str] = field(default_factory=dict)

    @property
    def facility(self) -> str:
        return str((self.case.report or {}).get("facility_name") or "")

    @property
    def path(self) -> str:
        """The task page when the task is open, else the case page."""
        if self.task is not None:
            return f"/cases/{self.case.id}/tasks/{self.task.task_id}"
        return f"/cases/{self.case.id}"


def add(session: Session, case: Case, kind: str, role: str, *, unit: str | None = None,
        username: str | None = None, task_name: str | None = None, flush: bool = True) -> Notification:
    """Record a notification; its e-mails are queued by `deliver_pending` in the same transaction. Without
    `flush` it is written at the next flush (an engine step writes all its rows in one)."""
    notification = Notification(case_id=case.id, kind=kind, role=role, unit=unit, username=username,
                                task_name=task_name, created_at=now())
    session.add(notification)
    if flush:
        session.flush()
    session.info.setdefault(_PENDING, []).append(notification)
    return notification


def deliver_pending(session: Session, open_tasks: dict[int, list[InboxItem]] | None = None) -> int:
    """Queue the e-mails of the notifications added since the last call (each one exactly once). `open_tasks`:
    the inbox rows of cases the caller has just written (read from the database otherwise).

    The reads (unit names, every notification's recipients: one query each) come first, without flushing, so a
    notification's task name is known before its row is written; the notifications and their e-mails are then
    written in one flush."""
    queued = 0
    open_tasks = open_tasks or {}
    while session.info.get(_PENDING):
        batch = session.info.pop(_PENDING)
        if any(n.case_id not in open_tasks for n in batch):
            session.flush()  # what the notification is about is read from the database: write what is pending
        with session.no_autoflush:
            recipients = outbox.recipients_of(session, batch)
            names: dict[int, dict[str, str]] = {}  # unit names per case, read once however many notifications
            for notification, addresses in zip(batch, recipients, strict=True):
                case = session.get(Case, notification.case_id)
                tasks = open_tasks.get(case.id)
                if tasks is not None and case.id not in names:
                    names[case.id] = _unit_names(session, {t.unit for t in tasks})
                about = describe(session, notification, case, tasks, names.get(case.id))
                if notification.task_name is None and about.task is not None:
                    notification.task_name = about.task.title
                queued += outbox.enqueue_for_notification(session, notification, case, about, addresses, flush=False)
    session.flush()
    return queued


@event.listens_for(Session, "before_commit")
def _deliver_before_commit(session: Session) -> None:
    """A notification added outside an engine step still gets its e-mails, in its own transaction."""
    if session.info.get(_PENDING):
        deliver_pending(session)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def describe(session: Session, notification: Notification, case: Case,
             open_tasks: list[InboxItem] | None = None, unit_names: dict[str, str] | None = None) -> About:
    """The case and task a notification is about, as things stand now."""
    tasks = case_tasks(session, case.id) if open_tasks is None else open_tasks
    names = unit_names if unit_names is not None else _unit_names(session, {t.unit for t in tasks})
    mine = [t for t in tasks if t.role == notification.role
            and (notification.unit is None or t.unit == notification.unit)]
    named = [t for t in mine if notification.task_name and t.title == notification.task_name]
    task = (named or mine or [None])[0]
    if task is not None:
        text = _task_label(task, names)
    elif notification.task_name:
        text = notification.task_name
    else:
        late = [t for t in tasks if t.due_at is not None and t.due_at <= now()]
        text = "; ".join(_task_label(t, names) for t in (late or tasks))
    due = task.due_at if task is not None and task.due_at is not None else \
        (None if case.status in FINISHED else case.deadline_at)
    return About(case=case, task=task, task_text=text, due_at=due, unit_names=names)


def _task_label(task: InboxItem, names: dict[str, str]) -> str:
    return f"{task.title} ({names.get(task.unit, task.unit)})" if task.unit else task.title


def _unit_names(session: Session, codes: set[str | None]) -> dict[str, str]:
    if not any(codes):
        return {}
    units = directory.units_by_code(session)
    return {code: units[code].name for code in codes if code in units}


def visible_to(actor: Actor) -> Select[tuple[Notification]]:
    """Notifications for the actor personally, or for one of the actor's roles (and the actor's unit)."""
    for_role = and_(Notification.username.is_(None), Notification.role.in_(sorted(actor.roles)),
                    or_(Notification.unit.is_(None), Notification.unit == actor.unit))
    return select(Notification).where(or_(Notification.username == actor.username, for_role))


def latest(session: Session, actor: Actor, limit: int = 50) -> list[Notification]:
    query = visible_to(actor).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    return list(session.scalars(query))


@dataclass
class CaseNotifications:
    """One case's notifications for the list page, newest first."""

    case: Case
    items: list[tuple[Notification, About]]

    @property
    def latest_at(self) -> datetime:
        return self.items[0][0].created_at


def grouped(session: Session, actor: Actor, limit: int = 50) -> list[CaseNotifications]:
    """The actor's latest notifications grouped per case, the case with the newest notification first."""
    rows = [n for n in latest(session, actor, limit) if n.case_id is not None]  # briefings: review_notices
    case_ids = sorted({n.case_id for n in rows})
    found = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))} if case_ids else {}
    tasks: dict[int, list[InboxItem]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        for item in session.scalars(select(InboxItem).where(InboxItem.case_id.in_(case_ids))
                                    .order_by(InboxItem.due_at, InboxItem.id)):
            tasks[item.case_id].append(item)
    names = _unit_names(session, {t.unit for items in tasks.values() for t in items})
    groups: dict[int, CaseNotifications] = {}
    for notification in rows:
        case = found[notification.case_id]
        about = describe(session, notification, case, tasks[case.id], names)
        groups.setdefault(case.id, CaseNotifications(case, [])).items.append((notification, about))
    return list(groups.values())


def unread_count(session: Session, actor: Actor) -> int:
    seen = select(User.notifications_seen_at).where(User.username == actor.username).scalar_subquery()
    query = visible_to(actor).where(or_(seen.is_(None), Notification.created_at > seen))  # one query
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def unread_count_of_user() -> ScalarSelect[int]:
    """`unread_count` as a column of a query on `users` (correlated to its row): the same notifications
    (`visible_to` the user's name, roles and unit) created after the user last looked, so that the signed-in
    user and the badge's count are read in one statement (engine/accounts.py `signed_in_user`)."""
    roles = select(UserRole.role).where(UserRole.user_id == User.id).correlate(User)
    for_role = and_(Notification.username.is_(None), Notification.role.in_(roles),
                    or_(Notification.unit.is_(None), Notification.unit == User.unit_code))
    return (select(func.count()).select_from(Notification)
            .where(or_(Notification.username == User.username, for_role),
                   or_(User.notifications_seen_at.is_(None), Notification.created_at > User.notifications_seen_at))
            .correlate(User).scalar_subquery())


def mark_read(session: Session, actor: Actor) -> None:
    user = session.scalar(select(User).where(User.username == actor.username))
    if user is not None:
        user.notifications_seen_at = now()
        session.flush()
