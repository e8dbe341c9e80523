"""Case services: submit a report, claim and complete tasks. Callers own the transaction (we only flush)."""
from __future__ import annotations

import secrets
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import validate_form_data

from . import events, inbox, versions, workflows
from .clock import now
from .errors import Conflict, NotFound, PermissionDenied, ProcessError, ValidationError
from .functions import NOT_ACCEPTED_OUTCOMES, Effects
from .inbox import Actor
from .models import Case, CaseStatus, InboxItem, Notification, Role

# Tracking codes: unguessable, and easy to read aloud (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 10
# Submitted task data that also summarizes the case (copied to the case row for lists and filters).
CASE_SUMMARY_FIELDS = ("level", "handling_unit")


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def submit_report(session: Session, report: dict[str, Any], reporter: dict[str, Any] | None = None,
                  *, process_id: str = versions.DEFAULT_PROCESS_ID, actor: str = "citizen") -> Case:
    """Open a case for a citizen's report on the active version of the process."""
    version = versions.active_version(session, process_id)
    schema = versions.version_form(version, "report")
    errors = validate_form_data(schema, report) if schema else {}
    if errors:
        raise ValidationError("the report is not valid", errors)
    received = now()
    case = Case(code=_unused_code(session), process_version=version, status=CaseStatus.RECEIVED.value,
                category=report.get("category"), ward=report.get("ward"), report=report,
                reporter=reporter or None, received_at=received, workflow_json="", serializer_version="")
    effects = Effects()
    data = {"report": report, "received_at": received.isoformat(), "case_code": case.code}
    wf = _guarded(lambda: workflows.start(versions.parsed(version), data, effects))
    session.add(case)
    session.flush()
    events.record(session, case, actor, "received", to_status=case.status, detail={"code": case.code})
    _save(session, case, wf, effects, actor)
    return case


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    return case


def get_case_by_code(session: Session, code: str) -> Case:
    case = session.scalar(select(Case).where(Case.code == code.strip().upper()))
    if case is None:
        raise NotFound("no case has this tracking code")
    return case


def claim_task(session: Session, actor: Actor, case_id: int, task_id: str) -> InboxItem:
    item = _permitted_item(session, actor, case_id, task_id)
    if item.claimed_by not in (None, actor.username):
        raise Conflict(f"this task is already claimed by {item.claimed_by}")
    item.claimed_by = actor.username
    events.record(session, get_case(session, case_id), actor.username, "task_claimed", task_name=item.task_name)
    session.flush()
    return item


def unclaim_task(session: Session, actor: Actor, case_id: int, task_id: str) -> InboxItem:
    item = _permitted_item(session, actor, case_id, task_id)
    if item.claimed_by != actor.username:
        raise PermissionDenied("only the person who claimed this task can release it")
    item.claimed_by = None
    events.record(session, get_case(session, case_id), actor.username, "task_released", task_name=item.task_name)
    session.flush()
    return item


def complete_task(session: Session, actor: Actor, case_id: int, task_id: str, data: dict[str, Any],
                  expected_version: int | None = None) -> Case:
    """Validate the form data, complete the task, run the engine and save; the case is unchanged on error."""
    case = get_case(session, case_id)
    if expected_version is not None and expected_version != case.row_version:
        raise Conflict("the case has changed since you opened it; reload to see its current state")
    item = _permitted_item(session, actor, case_id, task_id)
    if item.claimed_by not in (None, actor.username):
        raise PermissionDenied(f"this task is claimed by {item.claimed_by}")
    schema = versions.version_form(case.process_version, item.form)
    if not isinstance(data, dict):
        raise ValidationError("form data must be an object", {"": "expected an object"})
    errors = validate_form_data(schema, data) if schema is not None else {}
    if errors:
        raise ValidationError("some fields are not valid", errors)
    effects = Effects()
    wf = workflows.loads(case.workflow_json, effects)
    task = workflows.find_task(wf, task_id)
    if task is None or task.state != TaskState.READY:
        raise Conflict("this task has already been completed or is no longer open")
    from_status = case.status
    _guarded(lambda: workflows.complete(wf, task, data))
    for field in CASE_SUMMARY_FIELDS:
        if field in data:
            setattr(case, field, data[field])
    events.record(session, case, actor.username, "task_completed", task_name=item.task_name,
                  from_status=from_status, detail={"title": item.title, "data": data})
    _save(session, case, wf, effects, actor.username)
    return case


def load_workflow(case: Case) -> BpmnWorkflow:
    """A case's workflow for reading (effects of a read are discarded)."""
    return workflows.loads(case.workflow_json, Effects())


def save_after_step(session: Session, case: Case, wf: BpmnWorkflow, effects: Effects, actor: str) -> None:
    """Persist a workflow some other engine part advanced (the timer worker)."""
    _save(session, case, wf, effects, actor)


def _permitted_item(session: Session, actor: Actor, case_id: int, task_id: str) -> InboxItem:
    item = session.scalar(select(InboxItem).where(InboxItem.task_id == str(task_id),
                                                  InboxItem.case_id == case_id))
    if item is None:
        raise NotFound("this task does not exist or is no longer open")
    if item.role not in actor.roles:
        raise PermissionDenied(f"this task is for the {item.role} role")
    if item.unit is not None and item.unit != actor.unit:
        raise PermissionDenied("this task belongs to another unit")
    if item.role == Role.CITIZEN and actor != Actor.citizen(get_case(session, case_id).code):
        raise PermissionDenied("only the reporter of this case can answer it")
    return item


def _guarded(step):
    try:
        return step()
    except SpiffWorkflowException as exc:
        raise ProcessError("the procedure could not continue", [str(exc)]) from exc


def _save(session: Session, case: Case, wf: BpmnWorkflow, effects: Effects, actor: str) -> None:
    _apply_effects(session, case, wf, effects, actor)
    case.workflow_json = workflows.dumps(wf)
    case.serializer_version = workflows.SERIALIZER_VERSION
    case.next_timer_at = workflows.next_timer_due(wf)
    case.deadline_at = workflows.case_deadline(wf) or case.deadline_at
    session.flush()
    inbox.refresh(session, case, workflows.ready_tasks(wf))
    session.flush()


def _apply_effects(session: Session, case: Case, wf: BpmnWorkflow, effects: Effects, actor: str) -> None:
    for effect in effects.drain():
        before = case.status
        match effect.name, effect.args:
            case "set_status", (status,):
                case.status = status
                if status != before:
                    events.record(session, case, actor, "status_changed", from_status=before)
            case "mark_overdue", ():
                case.overdue = True
                events.record(session, case, actor, "escalated", from_status=before)
            case "notify", (kind, role):
                unit = case.handling_unit if role == "handling_unit" else None
                session.add(Notification(case_id=case.id, kind=kind, role=role, unit=unit, created_at=now()))
                events.record(session, case, actor, "notified", detail={"kind": kind, "role": role})
            case "reassign_unit", (unit,):
                workflows.set_variable_on_open_tasks(wf, "handling_unit", unit)
                events.record(session, case, actor, "reassigned",
                              detail={"from": case.handling_unit, "to": unit})
                case.handling_unit = unit
            case "publish_result", ():
                case.status = CaseStatus.RESULT_PUBLISHED.value
                case.published_at = now()
                events.record(session, case, actor, "result_published", from_status=before)
            case "close_case", (outcome,):
                not_accepted = outcome in NOT_ACCEPTED_OUTCOMES
                case.status = (CaseStatus.NOT_ACCEPTED if not_accepted else CaseStatus.CLOSED).value
                case.outcome = outcome
                case.closed_at = now()
                events.record(session, case, actor, "closed", from_status=before, detail={"outcome": outcome})
            case _:
                raise ProcessError(f"unknown effect {effect.name}")


def _unused_code(session: Session) -> str:
    while True:
        code = new_tracking_code()
        if session.scalar(select(Case.id).where(Case.code == code)) is None:
            return code
