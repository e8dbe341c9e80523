"""One case step: load a case under its row version, act on its workflow, save it with everything that follows.

Report submission, task completion and timer firing all go through here:

    with case_step(session, case_id, actor, expected_version=...) as step:
        step.run(lambda wf: ...)      # SpiffWorkflow errors → ProcessError, limits → LimitExceeded

On leaving the block without an error the step saves: the diagram's effects are applied, the document is
stored (refused when over the size limit, or when the case is suspended), the timer index and deadline are
updated, the inbox is refreshed and the reporter's message and staff notifications are queued. On an error
nothing is saved; the caller's transaction rolls back. Callers own the transaction (we only flush).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy.orm import Session, undefer

from . import events, inbox, notifications, reporter_messages, settings, versions, workflows
from .budget import ExpressionError, LimitError
from .clock import now
from .errors import CaseSuspended, Conflict, LimitExceeded, NotFound, ProcessError, ValidationError
from .functions import NOT_ACCEPTED_OUTCOMES, Effects, RuleRefused
from .models import Case, CaseStatus, Role, Unit, UnitKind

T = TypeVar("T")


class CaseStep:
    """A case being stepped: its row, its workflow (loaded on first use, with the restricted script engine) and
    the effects the diagram's functions return."""

    def __init__(self, session: Session, case: Case, actor: str, workflow: BpmnWorkflow | None = None,
                 effects: Effects | None = None) -> None:
        self.session, self.case, self.actor = session, case, actor
        self.effects = effects or Effects()
        self._workflow = workflow

    @property
    def workflow(self) -> BpmnWorkflow:
        if self._workflow is None:
            self._workflow = workflows.loads(self.case.workflow_json, self.effects,
                                             versions.parsed(self.case.process_version))
        return self._workflow

    def run(self, action: Callable[[BpmnWorkflow], T]) -> T:
        """Run engine steps on the workflow; a failure of the diagram becomes ProcessError, a limit overrun
        LimitExceeded."""
        return run_step(lambda: action(self.workflow), self.case.id)

    def save(self) -> None:
        save(self.session, self.case, self.workflow, self.effects, self.actor)


@contextmanager
def case_step(session: Session, case_id: int, actor: str, *, expected_version: int | None = None
              ) -> Iterator[CaseStep]:
    """Step an existing case; `expected_version` is the row version the caller saw (Conflict if it changed)."""
    case = session.get(Case, case_id, options=[undefer(Case.workflow_json)])
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    if expected_version is not None and expected_version != case.row_version:
        raise Conflict("the case has changed since you opened it; reload to see its current state")
    step = CaseStep(session, case, actor)
    yield step
    step.save()


@contextmanager
def first_step(session: Session, case: Case, data: dict[str, Any], actor: str) -> Iterator[CaseStep]:
    """A new case's first step: start its workflow on its process version with `data`, then add the case (so
    the block can record events on it) and save."""
    effects = Effects()
    wf = run_step(lambda: workflows.start(versions.parsed(case.process_version), data, effects))
    session.add(case)
    session.flush()
    step = CaseStep(session, case, actor, wf, effects)
    yield step
    step.save()


def run_step(step: Callable[[], T], case_id: int | None = None) -> T:
    """Run engine steps; a failure of the diagram becomes ProcessError, a limit overrun LimitExceeded."""
    try:
        return step()
    except RuleRefused as exc:  # a rule of the diagram refused the data: the caller keeps nothing of this step
        raise ValidationError("the procedure's rules refuse this input", {exc.field: exc.message}) from exc
    except SpiffWorkflowException as exc:
        cause = _expression_error(exc)
        if isinstance(cause, LimitError):
            raise LimitExceeded("the procedure went over a limit on diagrams", [str(exc)], case_id) from exc
        raise ProcessError("the procedure could not continue", [str(exc)]) from exc


def _expression_error(exc: BaseException) -> ExpressionError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ExpressionError):
            return current
        seen.add(id(current))
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return None


def save(session: Session, case: Case, wf: BpmnWorkflow, effects: Effects, actor: str) -> None:
    """Apply the step's effects and store the document; a document over the size limit refuses the whole step
    (the caller's transaction rolls back, nothing is saved). A suspended case takes no step at all."""
    if case.suspended:
        raise CaseSuspended(f"case {case.code} is suspended by an administrator: {case.suspend_reason}")
    status_before = case.status
    _apply_effects(session, case, wf, effects, actor)
    document = workflows.dumps(wf)
    size, limit = len(document.encode()), settings.of(session).max_case_bytes
    if size > limit:
        raise LimitExceeded(f"the case document would be too large ({size} bytes, at most {limit})",
                            [f"case data of {size} bytes is over the limit of {limit} bytes"], case.id)
    case.workflow_json = document
    case.serializer_version = workflows.SERIALIZER_VERSION
    case.next_timer_at = workflows.next_timer_due(wf)
    deadline = workflows.case_deadline(wf)
    if case.overdue and deadline is not None and deadline != case.deadline_at and deadline > now():
        case.overdue = False  # a fresh deadline (a reopened case): overdue again only if the diagram says so
    case.deadline_at = deadline or case.deadline_at
    session.flush()
    for item in inbox.refresh(session, case, workflows.ready_tasks(wf)):
        if item.role in notifications.ANNOUNCED_ROLES:
            notifications.add(session, case, "assignment", item.role, unit=item.unit, task_name=item.title)
    session.flush()
    reporter_messages.after_step(session, case, status_before)
    notifications.deliver_pending(session)


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
                notifications.add(session, case, "escalation", Role.LEADERSHIP.value)
            case "notify", (kind, role, unit):
                unit = _recipient_unit(session, case, role, unit)
                notifications.add(session, case, kind, role, unit=unit)
                events.record(session, case, actor, "notified", detail={"kind": kind, "role": role, "unit": unit})
            case "reassign_unit", (unit,):
                workflows.set_variable_on_open_tasks(wf, "handling_unit", unit)
                events.record(session, case, actor, "reassigned",
                              detail={"from": case.handling_unit, "to": unit})
                case.handling_unit = unit
            case "invite_agency", (unit,):
                _invite_agency(session, case, unit, actor)
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


def _invite_agency(session: Session, case: Case, unit: str, actor: str) -> None:
    agency = session.get(Unit, unit)
    if agency is None or agency.kind != UnitKind.AGENCY or not agency.active:
        raise ValidationError(f"{unit!r} is not an active agency",
                              {"invited_agency": "Không phải cơ quan phối hợp đang hoạt động (not an active agency)"})
    if unit not in (case.agencies or []):
        case.agencies = [*(case.agencies or []), unit]
        events.record(session, case, actor, "agency_invited", detail={"unit": unit})


def _recipient_unit(session: Session, case: Case, role: str, unit: str | None) -> str | None:
    """The unit a diagram's notification goes to; the handling unit role defaults to the case's handling unit, an
    agency must be one invited to the case (a coordinator never hears of other cases)."""
    if unit is None:
        return case.handling_unit if role == Role.HANDLING_UNIT else None
    if role == Role.COORDINATOR and unit not in (case.agencies or []):
        raise ProcessError(f"notify: agency {unit!r} is not invited to case {case.code}")
    if session.get(Unit, unit) is None:
        raise ProcessError(f"notify: unit {unit!r} does not exist")
    return unit
