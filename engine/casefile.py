"""The case file as staff pages read it: the case page (report, notes, attachments, open tasks, timeline, whether
the reporter's contact is shown) and the task page (the open task and the case's history). Each read checks that
the actor may see the case; showing the reporter's contact records an audit entry (engine/audit.py)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from . import audit, cases, events, inbox
from .actors import Actor
from .errors import Conflict, NotFound
from .models import Attachment, Case, CaseEvent, CaseNote, InboxItem


@dataclass(frozen=True)
class CaseFile:
    case: Case
    notes: list[CaseNote]
    attachments: list[Attachment]
    tasks: list[InboxItem]
    events: list[CaseEvent]
    show_reporter: bool


def case_file(session: Session, actor: Actor, case_id: int) -> CaseFile:
    case = cases.viewable_case(session, actor, case_id)
    notes = list(session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)
                                 .order_by(CaseNote.created_at)))
    attachments = list(session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                                       .order_by(Attachment.id)))
    return CaseFile(case, notes, attachments, inbox.case_tasks(session, case.id), events.case_events(session, case.id),
                    audit.show_reporter(session, actor, case, page="case"))


@dataclass(frozen=True)
class TaskPage:
    case: Case
    item: InboxItem
    events: list[CaseEvent]


def task_page(session: Session, actor: Actor, case_id: int, task_id: str, *, with_events: bool = True) -> TaskPage:
    """The open task the actor may work on (NotFound once it is completed, PermissionDenied if not theirs);
    without its case's events (an empty list) when the caller shows no page."""
    rows = session.execute(select(Case, InboxItem).where(Case.id == case_id)  # the case and its task: one query
                           .outerjoin(InboxItem, and_(InboxItem.case_id == Case.id,
                                                      InboxItem.task_id == str(task_id)))).all()
    if not rows:
        raise NotFound(f"case {case_id} does not exist")
    case, found = rows[0]
    item = cases.permitted_task(session, actor, case_id, task_id, [found] if found is not None else [])
    return TaskPage(case, item, events.case_events(session, case.id) if with_events else [])


def fresh_task_page(session: Session, actor: Actor, case_id: int, task_id: str) -> TaskPage:
    """The task page again after a failed completion; Conflict (with the case) if the task is gone meanwhile."""
    try:
        return task_page(session, actor, case_id, task_id)
    except NotFound as exc:
        case = session.get(Case, case_id)
        raise Conflict("this task was completed by someone else at the same moment; nothing was saved. "
                       "Open the case to see its current state.",
                       case_id=case.id if case is not None else None,
                       row_version=case.row_version if case is not None else None) from exc


def staff_attachment(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment of a case the actor may see."""
    item = session.get(Attachment, attachment_id)
    if item is None:
        raise NotFound("this attachment does not exist")
    cases.viewable_case(session, actor, item.case_id)
    return item
