"""The case file as staff pages read it: the case page (report, notes, attachments, open tasks, timeline, whether
the reporter's contact is shown) and the task page (the open task and the case's history). Each read checks that
the actor may see the case; showing the reporter's contact records an audit entry (engine/audit.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, select
from sqlalchemy.orm import Session, undefer

from . import audit, cases, documents, events, inbox, steps
from .actors import Actor
from .errors import Conflict, NotFound
from .messages import t
from .models import Attachment, Case, CaseEvent, CaseNote, InboxItem, User
from .models_documents import TaskDocument


@dataclass(frozen=True)
class CaseFile:
    case: Case
    notes: list[CaseNote]
    attachments: list[Attachment]
    tasks: list[InboxItem]
    events: list[CaseEvent]
    show_reporter: bool
    documents: list[TaskDocument] = field(default_factory=list)  # staff documents (engine/documents.py)
    people: dict[str, str] = field(default_factory=dict)  # username → full name of everyone named on the page


def case_file(session: Session, actor: Actor, case_id: int, page: str = "case") -> CaseFile:
    """Everything the case page (or its printable file, `page="print"`) shows; the reporter view is audited."""
    case = cases.viewable_case(session, actor, case_id)
    notes = list(session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)
                                 .order_by(CaseNote.created_at)))
    tasks, history, files = inbox.case_tasks(session, case.id), events.case_events(session, case.id), \
        documents.case_documents(session, case.id)
    named = [e.actor for e in history] + [n.author for n in notes] + [t.claimed_by or "" for t in tasks] + \
        [d.uploaded_by for d in files]
    return CaseFile(case, notes, _attachments(session, case.id), tasks, history,
                    audit.show_reporter(session, actor, case, page=page), files, people_names(session, named))


def people_names(session: Session, usernames: list[str]) -> dict[str, str]:
    """Username → full name of the staff among `usernames` (names of people who left stay known)."""
    wanted = {name for name in usernames if name}
    if not wanted:
        return {}
    return dict(session.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all())


def _attachments(session: Session, case_id: int) -> list[Attachment]:
    return list(session.scalars(_attachments_statement(), {"case_id": case_id}))


@cache
def _attachments_statement() -> Select:
    return select(Attachment).where(Attachment.case_id == bindparam("case_id")).order_by(Attachment.id)


# What the person doing a task needs from earlier steps: the classification and each agency's findings (the task
# page shows the latest submission of each, per agency for the coordination steps).
EARLIER_STEPS = ("classify", "acknowledge_request", "answer_agency_question", "contribute_findings",
                 "confirm_in_writing", "coordinate", "answer_information_request", "confirm_joint_inspection",
                 "record_minutes", "confirm_minutes", "confirm_agreement_in_writing", "refer_to_police",
                 "enter_result", "verify_result")


@dataclass(frozen=True)
class TaskPage:
    case: Case
    item: InboxItem
    events: list[CaseEvent]  # the completions of EARLIER_STEPS, oldest first (none for a submission)
    attachments: list[Attachment] = field(default_factory=list)  # the report's photos and videos
    people: dict[str, str] = field(default_factory=dict)  # username → full name (of those completions)


def task_page(session: Session, actor: Actor, case_id: int, task_id: str, *, with_events: bool = True) -> TaskPage:
    """The open task the actor may work on (NotFound once it is completed, PermissionDenied if not theirs), with
    the completions of the earlier steps it shows (`EARLIER_STEPS`); without them (an empty list) when the caller
    shows no page.

    Without events (a submission), the case comes with its document and all its inbox rows, offered to the
    submission's case step (`steps.offer_loaded`), which then reads nothing again."""
    if with_events:  # the case, its task, whether it has attachments and earlier steps' results: one query
        rows = session.execute(_page_statement(), {"case_id": case_id, "task_id": str(task_id)}).all()
        if not rows:
            raise NotFound(t("case_missing", case=case_id))
        case, found, attached, earlier = rows[0]
    else:
        rows = session.execute(_submission_statement(), {"case_id": case_id}).all()
        if not rows:
            raise NotFound(t("case_missing", case=case_id))
        case, open_items = rows[0][0], [item for _, item in rows if item is not None]
        found = next((item for item in open_items if item.task_id == str(task_id)), None)
    item = cases.permitted_task(session, actor, case_id, task_id, [found] if found is not None else [])
    if not with_events:
        steps.offer_loaded(session, case, open_items)
        return TaskPage(case, item, [])
    history, people = _earlier_completions(session, case.id) if earlier else ([], {})  # none: a case's first task
    return TaskPage(case, item, history, _attachments(session, case.id) if attached else [], people)


# The task page's statements are built once per process (building one costs more Python than running it, and a
# built statement keeps its cache key) and run with the case's id (and the task's).

@cache
def _page_statement() -> Select:
    """The case, its task `task_id` (None once completed), whether the case has attachments and whether any of
    the earlier steps a task page shows was completed."""
    has_attachments = exists().where(Attachment.case_id == Case.id).correlate(Case)
    earlier = exists().where(CaseEvent.case_id == Case.id, _earlier_completion()).correlate(Case)
    return (select(Case, InboxItem, has_attachments, earlier).where(Case.id == bindparam("case_id"))
            .outerjoin(InboxItem, and_(InboxItem.case_id == Case.id, InboxItem.task_id == bindparam("task_id"))))


@cache
def _submission_statement() -> Select:
    """The case with its document and all its inbox rows (what the submission's case step needs)."""
    return (select(Case, InboxItem).where(Case.id == bindparam("case_id")).options(undefer(Case.workflow_json))
            .outerjoin(InboxItem, InboxItem.case_id == Case.id).order_by(InboxItem.id))


def _earlier_completion() -> ColumnElement[bool]:
    return and_(CaseEvent.kind == "task_completed", CaseEvent.task_name.in_(EARLIER_STEPS))


@cache
def _earlier_statement() -> Select:
    return (select(CaseEvent, User.display_name)
            .where(CaseEvent.case_id == bindparam("case_id"), _earlier_completion())
            .outerjoin(User, User.username == CaseEvent.actor).order_by(CaseEvent.at, CaseEvent.id))


def _earlier_completions(session: Session, case_id: int) -> tuple[list[CaseEvent], dict[str, str]]:
    """The completions of EARLIER_STEPS on the case (in the order of `events.case_events`) and the full names of
    who completed them: one query."""
    rows = session.execute(_earlier_statement(), {"case_id": case_id}).all()
    return [event for event, _ in rows], {event.actor: name for event, name in rows if name is not None}


def fresh_task_page(session: Session, actor: Actor, case_id: int, task_id: str) -> TaskPage:
    """The task page again after a failed completion; Conflict (with the case) if the task is gone meanwhile."""
    try:
        return task_page(session, actor, case_id, task_id)
    except NotFound as exc:
        case = session.get(Case, case_id)
        raise Conflict(t("task_done_by_other"),
                       case_id=case.id if case is not None else None,
                       row_version=case.row_version if case is not None else None) from exc


def staff_attachment(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment of a case the actor may see."""
    item = session.get(Attachment, attachment_id)
    if item is None:
        raise NotFound(t("attachment_missing"))
    cases.viewable_case(session, actor, item.case_id)
    return item


@dataclass(frozen=True)
class PhotoPage:
    """One photo of a report in the viewer page (without JavaScript): the case, the photo, its neighbours."""
    case: Case
    photo: Attachment
    photos: list[Attachment]

    @property
    def position(self) -> int:
        return self.photos.index(self.photo)


def photo_page(session: Session, actor: Actor, attachment_id: int) -> PhotoPage:
    """A photo of a case the actor may see, with the case's other photos (NotFound for videos)."""
    item = staff_attachment(session, actor, attachment_id)
    if item.kind != "image":
        raise NotFound(t("not_a_photo"))
    photos = [a for a in _attachments(session, item.case_id) if a.kind == "image"]
    return PhotoPage(cases.get_case(session, item.case_id), item, photos)


@dataclass(frozen=True)
class PublishedResult:
    """The result the citizen was shown: the accepted *Enter result* submission, when and by which unit."""
    published_at: datetime
    unit: str | None
    entered_by: str
    form: str
    data: dict[str, Any]


def published_result(case: Case, history: list[CaseEvent]) -> PublishedResult | None:
    """The published result of a case (None before publication): the last result entered before it."""
    if case.published_at is None:
        return None
    entered = [e for e in history if e.kind == "task_completed" and e.task_name == "enter_result"
               and e.at <= case.published_at and isinstance((e.detail or {}).get("data"), dict)]
    if not entered:
        return None
    last = entered[-1]
    return PublishedResult(case.published_at, case.handling_unit, last.actor,
                           last.detail.get("form") or last.task_name or "enter_result", last.detail["data"])
