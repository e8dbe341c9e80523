"""Case services: submit a report, claim and complete tasks. Callers own the transaction (we only flush)."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from forms import validate_form_data

from . import directory, duplicates, events, notifications, reporter_messages, tracking_codes, versions, workflows
from .actors import Actor
from .clock import now
from .errors import Conflict, NotFound, PermissionDenied, ValidationError
from .functions import Effects
from .messages import t
from .models import Case, CaseNote, CaseStatus, InboxItem, Role, User
from .steps import case_step, first_step

# Tracking codes: unguessable, and easy to read aloud (no 0/O, 1/I/L, 5/S, 2/Z, 8/B); see tracking_codes.
CODE_ALPHABET = tracking_codes.ALPHABET
CODE_LENGTH = tracking_codes.LENGTH
# Submitted task data that also summarizes the case (copied to the case row for lists and filters).
CASE_SUMMARY_FIELDS = ("level", "handling_unit", "agencies")
# Roles that see every case; the others see the cases of their unit (handling unit or invited agency).
SEE_ALL_CASES = frozenset({Role.INTAKE, Role.INSPECTOR, Role.LEADERSHIP, Role.ADMIN, Role.PROCESS_OWNER})
# Roles that may see the reporter's name, phone and e-mail.
SEE_REPORTER = frozenset({Role.INTAKE, Role.INSPECTOR})
# Once a case has one of these statuses, an agency coordinator reads it but no longer works on it.
AGENCY_DONE_STATUSES = frozenset({CaseStatus.CLOSED.value, CaseStatus.NOT_ACCEPTED.value})


def new_tracking_code() -> str:
    return tracking_codes.new_code()


def submit_report(session: Session, report: dict[str, Any], reporter: dict[str, Any] | None = None,
                  *, process_id: str = versions.DEFAULT_PROCESS_ID, actor: str = "citizen") -> Case:
    """Open a case for a citizen's report on the active version of the process."""
    version = versions.active_version(session, process_id)
    schema = versions.version_form(version, "report")
    errors = validate_form_data(schema, report) if schema else {}
    if errors:
        raise ValidationError(t("report_invalid"), errors)
    received = now()
    case = Case(code=_unused_code(session), process_version=version, status=CaseStatus.RECEIVED.value,
                category=report.get("category"), ward=report.get("ward"), report=report,
                reporter=reporter or None, received_at=received, workflow_json="", serializer_version="")
    data = {"report": report, "received_at": received.isoformat(), "case_code": case.code}
    with first_step(session, case, data, actor):
        events.record(session, case, actor, "received", to_status=case.status, detail={"code": case.code})
    reporter_messages.report_received(session, case)
    return case


def get_case(session: Session, case_id: int, *, with_document: bool = False) -> Case:
    """The case row; its workflow document is deferred (loaded on first use) unless `with_document`."""
    case = session.get(Case, case_id, options=[undefer(Case.workflow_json)] if with_document else None)
    if case is None:
        raise NotFound(t("case_missing", case=case_id))
    return case


def get_case_by_id_or_code(session: Session, reference: str) -> Case:
    """A case named by an operator: its number or its tracking code."""
    reference = (reference or "").strip()
    if reference.isascii() and reference.isdigit() and len(reference) <= 10:  # not "²": int() refuses it
        found = session.get(Case, int(reference))
        if found is not None:
            return found
    return get_case_by_code(session, reference)


def get_case_by_code(session: Session, code: str) -> Case:
    """The case with this tracking code as a person typed it (any case, dash or spaces; see tracking_codes).
    Raises NotFound (BadTrackingCode, a kind of it, when no code can look like this)."""
    case = session.scalar(select(Case).where(Case.code == tracking_codes.normalise(code)))
    if case is None:
        raise NotFound(t("case_code_missing"))
    return case


def can_view(actor: Actor, case: Case) -> bool:
    """Whether a staff member may open this case file."""
    if actor.roles & SEE_ALL_CASES:
        return True
    if actor.unit is None:
        return False
    if Role.HANDLING_UNIT in actor.roles and case.handling_unit == actor.unit:
        return True
    return Role.COORDINATOR in actor.roles and actor.unit in (case.agencies or [])


def coordinator_read_only(actor: Actor, case: Case) -> bool:
    """Whether an agency coordinator (holding no other role that lets them act on this case) may only read it: the
    case is closed, or their agency is no longer invited to it. They then complete no task, attach no document and
    add no note."""
    if Role.COORDINATOR not in actor.roles or actor.roles & SEE_ALL_CASES:
        return False
    if Role.HANDLING_UNIT in actor.roles and actor.unit is not None and case.handling_unit == actor.unit:
        return False
    return case.status in AGENCY_DONE_STATUSES or actor.unit not in (case.agencies or [])


def check_agency_may_act(actor: Actor, case: Case) -> None:
    """PermissionDenied (the case stays readable) when a coordinator may only read this case."""
    if coordinator_read_only(actor, case):
        raise PermissionDenied(t("case_read_only"))


def viewable_case(session: Session, actor: Actor, case_id: int) -> Case:
    case = get_case(session, case_id)
    if not can_view(actor, case):
        raise PermissionDenied(t("case_other_unit"))
    return case


def may_see_reporter(actor: Actor) -> bool:
    return bool(actor.roles & SEE_REPORTER)


def permitted_task(session: Session, actor: Actor, case_id: int, task_id: str,
                   case_items: list[InboxItem] | None = None) -> InboxItem:
    """The open task `task_id` of the case, if the actor may work on it (typed errors otherwise); `case_items`:
    the case's inbox rows (or that task's row) when the caller has already read them."""
    return _permitted_item(session, actor, case_id, task_id, case_items)


def add_note(session: Session, actor: Actor, case_id: int, body: str) -> CaseNote:
    case = viewable_case(session, actor, case_id)
    check_agency_may_act(actor, case)
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()  # a browser sends CRLF; the box counts 1
    if not text:
        raise ValidationError(t("note_empty"), {"body": t("required")})
    if len(text) > 5000:
        raise ValidationError(t("note_too_long"), {"body": t("too_long", limit=5000)})
    note = CaseNote(case_id=case.id, author=actor.username, body=text, created_at=now())
    session.add(note)
    events.record(session, case, actor.username, "note_added")
    session.flush()
    return note


def assign_task(session: Session, supervisor: Actor, case_id: int, task_id: str, username: str | None) -> InboxItem:
    """A supervisor gives an open task to a colleague who may do it (or releases it when `username` is None)."""
    if Role.SUPERVISOR not in supervisor.roles:
        raise PermissionDenied(t("reassign_supervisor_only"))
    item = session.scalar(select(InboxItem).where(InboxItem.task_id == str(task_id), InboxItem.case_id == case_id))
    if item is None:
        raise NotFound(t("task_missing"))
    case = get_case(session, case_id)
    _check_supervisor_scope(supervisor, item, case)
    if username:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None:
            raise ValidationError(t("no_such_user"), {"username": t("no_such_user")})
        if item.role not in user.role_names or (item.unit is not None and user.unit_code != item.unit):
            raise ValidationError(t("task_user_cannot"), {"username": t("task_user_cannot")})
    before, item.claimed_by = item.claimed_by, username or None
    events.record(session, case, supervisor.username, "task_assigned", task_name=item.task_name,
                  detail={"title": item.title, "from": before, "to": item.claimed_by})
    if username:
        notifications.add(session, case, "assignment", item.role, unit=item.unit, username=username,
                          task_name=item.title)
    session.flush()
    notifications.deliver_pending(session)
    return item


def _check_supervisor_scope(supervisor: Actor, item: InboxItem, case: Case) -> None:
    """A supervisor acts on the tasks of its own unit; a task of no unit (intake, inspector) only when the
    supervisor holds that task's role and may open the case."""
    if item.unit is not None:
        if item.unit != supervisor.unit:
            raise PermissionDenied(t("task_other_unit"))
    elif item.role not in supervisor.roles or not can_view(supervisor, case):
        raise PermissionDenied(t("task_not_yours"))


def claim_task(session: Session, actor: Actor, case_id: int, task_id: str) -> InboxItem:
    item = _permitted_item(session, actor, case_id, task_id)
    if item.claimed_by not in (None, actor.username):
        raise Conflict(t("task_claimed_by", user=item.claimed_by))
    item.claimed_by = actor.username
    events.record(session, get_case(session, case_id), actor.username, "task_claimed", task_name=item.task_name,
                  detail={"title": item.title})
    session.flush()
    return item


def unclaim_task(session: Session, actor: Actor, case_id: int, task_id: str) -> InboxItem:
    item = _permitted_item(session, actor, case_id, task_id)
    if item.claimed_by != actor.username:
        raise PermissionDenied(t("task_release_not_yours"))
    item.claimed_by = None
    events.record(session, get_case(session, case_id), actor.username, "task_released", task_name=item.task_name,
                  detail={"title": item.title})
    session.flush()
    return item


def complete_task(session: Session, actor: Actor, case_id: int, task_id: str, data: dict[str, Any],
                  expected_version: int | None = None) -> Case:
    """Validate the form data, complete the task, run the engine and save; the case is unchanged on error."""
    with case_step(session, case_id, actor.username, expected_version=expected_version) as step:
        case = step.case
        item = _permitted_item(session, actor, case_id, task_id, step.inbox_rows)
        if item.claimed_by not in (None, actor.username):
            raise PermissionDenied(t("task_claimed_by", user=item.claimed_by))
        schema = versions.version_form(case.process_version, item.form)
        if not isinstance(data, dict):
            raise ValidationError(t("not_an_object"), {"": t("not_an_object")})
        errors = validate_form_data(schema, data) if schema is not None else {}
        errors = errors or directory.unit_field_problems(session, data)
        if errors:
            raise ValidationError(t("invalid_input"), errors)
        task = workflows.find_task(step.workflow, task_id)
        if task is None or task.state != TaskState.READY:
            raise Conflict(t("task_done"))
        from_status = case.status
        step.run(lambda wf: workflows.complete(wf, task, data))
        for field in CASE_SUMMARY_FIELDS:
            if field in data:
                setattr(case, field, data[field])
        if "screening_outcome" in data:
            duplicates.after_screening(case, data)
        events.record(session, case, actor.username, "task_completed", task_name=item.task_name,
                      from_status=from_status, detail={"title": item.title, "form": item.form, "data": data,
                                                       "opened_at": item.created_at.isoformat()})
    return case


def load_workflow(case: Case) -> BpmnWorkflow:
    """A case's workflow for reading (effects of a read are discarded)."""
    return workflows.loads(case.workflow_json, Effects(), versions.parsed(case.process_version))


def _permitted_item(session: Session, actor: Actor, case_id: int, task_id: str,
                    case_items: list[InboxItem] | None = None) -> InboxItem:
    """`case_items`: the case's inbox rows when the caller has them (the task is looked up otherwise)."""
    if case_items is not None:
        item = next((i for i in case_items if i.task_id == str(task_id)), None)
    else:
        item = session.scalar(select(InboxItem).where(InboxItem.task_id == str(task_id),
                                                      InboxItem.case_id == case_id))
    if item is None:
        raise NotFound(t("task_missing"))
    if item.role not in actor.roles:
        raise PermissionDenied(t("task_for_role"))
    if item.unit is not None and item.unit != actor.unit:
        raise PermissionDenied(t("task_other_unit"))
    if item.role == Role.CITIZEN and actor != Actor.citizen(get_case(session, case_id).code):
        raise PermissionDenied(t("reporter_only"))
    if item.role == Role.COORDINATOR:
        check_agency_may_act(actor, get_case(session, case_id))
    return item


def _unused_code(session: Session) -> str:
    while True:
        code = new_tracking_code()
        if session.scalar(select(Case.id).where(Case.code == code)) is None:
            return code


def diagram_state(case: Case) -> dict[str, list[str]]:
    """Element ids of the case's open tasks and of the path already done, for the diagram view."""
    return workflows.diagram_state(load_workflow(case))
