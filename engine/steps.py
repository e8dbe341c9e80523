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
from sqlalchemy import event, select
from sqlalchemy.orm import Session, undefer

from . import directory, events, inbox, notifications, reporter_messages, settings, versions, workflow_cache, workflows
from .budget import LimitError, expression_error
from .clock import now
from .errors import CaseSuspended, Conflict, LimitExceeded, NotFound, ProcedureFailed, ProcessError, ValidationError
from .functions import NOT_ACCEPTED_OUTCOMES, Effects, RuleRefused
from .messages import t
from .models import Case, CaseStatus, InboxItem, Role, Unit, UnitKind

T = TypeVar("T")


class CaseStep:
    """A case being stepped: its row, its workflow (loaded on first use, with the restricted script engine) and
    the effects the diagram's functions return."""

    def __init__(self, session: Session, case: Case, actor: str, workflow: BpmnWorkflow | None = None,
                 effects: Effects | None = None, inbox_rows: list[InboxItem] | None = None) -> None:
        self.session, self.case, self.actor = session, case, actor
        self.effects = effects or Effects()
        self._workflow = workflow
        self._inbox_rows = inbox_rows

    @property
    def inbox_rows(self) -> list[InboxItem]:
        """The case's inbox rows (its open tasks) as the step found them; loaded with the case or on first use."""
        if self._inbox_rows is None:
            self._inbox_rows = inbox.case_tasks(self.session, self.case.id)
        return self._inbox_rows

    @property
    def workflow(self) -> BpmnWorkflow:
        if self._workflow is None:
            self._workflow = workflow_cache.take(self.session, self.case, self.effects)
        return self._workflow

    def run(self, action: Callable[[BpmnWorkflow], T]) -> T:
        """Run engine steps on the workflow; a failure of the diagram becomes ProcessError, a limit overrun
        LimitExceeded."""
        return run_step(lambda: action(self.workflow), self.case.id)

    def save(self) -> None:
        self._inbox_rows = save(self.session, self.case, self.workflow, self.effects, self.actor, self.inbox_rows)


@contextmanager
def case_step(session: Session, case_id: int, actor: str, *, expected_version: int | None = None
              ) -> Iterator[CaseStep]:
    """Step an existing case; `expected_version` is the row version the caller saw (Conflict if it changed).

    The case, its document and its inbox rows come in one round trip — or none, when this transaction already
    read them for the step (`offer_loaded`: a submitted task page)."""
    offered = session.info.pop(_OFFERED, None)
    if offered is not None and offered[0].id == case_id and offered[0] in session:
        case, inbox_rows = offered
        if expected_version is not None and expected_version != case.row_version:
            raise Conflict(t("case_changed"))
        step = CaseStep(session, case, actor, inbox_rows=inbox_rows)
        yield step
        step.save()
        return
    case, inbox_rows = load_for_step(session, case_id)
    if expected_version is not None and expected_version != case.row_version:
        raise Conflict(t("case_changed"))
    step = CaseStep(session, case, actor, inbox_rows=inbox_rows)
    yield step
    step.save()


def load_for_step(session: Session, case_id: int) -> tuple[Case, list[InboxItem]]:
    """The case with its document, and all its inbox rows: one round trip (NotFound if there is no such case)."""
    rows = session.execute(select(Case, InboxItem, directory.units_version())
                           .outerjoin(InboxItem, InboxItem.case_id == Case.id)
                           .where(Case.id == case_id).options(undefer(Case.workflow_json))
                           .order_by(InboxItem.id)).all()
    if not rows:
        raise NotFound(t("case_missing", case=case_id))
    directory.read_units_version(session, rows[0][2])  # the step's unit lookups come from the process's copy
    return rows[0][0], [item for _, item, _units in rows if item is not None]


_OFFERED = "rr_case_loaded_for_step"


def offer_loaded(session: Session, case: Case, inbox_rows: list[InboxItem]) -> None:
    """The case (with its document) and all its inbox rows, just read in this transaction by a caller that is about
    to step it: the next `case_step` on that case takes them instead of reading them again. Safe because the save
    still checks the row version (a concurrent step in between makes a Conflict at the flush, as before)."""
    session.info[_OFFERED] = (case, inbox_rows)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_offered(session: Session) -> None:
    session.info.pop(_OFFERED, None)


@contextmanager
def first_step(session: Session, case: Case, data: dict[str, Any], actor: str) -> Iterator[CaseStep]:
    """A new case's first step: start its workflow on its process version with `data`, then add the case (so
    the block can record events on it) and save."""
    effects = Effects()
    wf = run_step(lambda: workflows.start(versions.parsed(case.process_version), data, effects))
    session.add(case)
    session.flush()
    step = CaseStep(session, case, actor, wf, effects, inbox_rows=[])
    yield step
    step.save()


def run_step(step: Callable[[], T], case_id: int | None = None) -> T:
    """Run engine steps; a failure of the diagram becomes ProcessError, a limit overrun LimitExceeded."""
    try:
        return step()
    except RuleRefused as exc:  # a rule of the diagram refused the data: the caller keeps nothing of this step
        raise ValidationError(t("rules_refuse"), {exc.field: exc.message}) from exc
    except SpiffWorkflowException as exc:
        cause = expression_error(exc)
        if isinstance(cause, LimitError):
            raise LimitExceeded(t("over_limit"), [str(exc)], case_id) from exc
        raise ProcedureFailed(t("procedure_failed"), [str(exc)]) from exc


def save(session: Session, case: Case, wf: BpmnWorkflow, effects: Effects, actor: str,
         inbox_rows: list[InboxItem] | None = None) -> list[InboxItem]:
    """Apply the step's effects and store the document; a document over the size limit refuses the whole step
    (the caller's transaction rolls back, nothing is saved). A suspended case takes no step at all.

    Two flushes: the case row first (its row-version check makes a concurrent step on the same case fail here,
    as a conflict, before any of its inbox rows are written), then the inbox rows, notifications and their
    e-mails; then the reporter's message (one statement). Returns the case's inbox rows after the step."""
    if case.suspended:
        raise CaseSuspended(t("case_suspended", case=case.code, reason=case.suspend_reason))
    status_before = case.status
    _apply_effects(session, case, wf, effects, actor)
    document = workflows.dumps(wf)
    size, limit = len(document.encode()), settings.of(session).max_case_bytes
    if size > limit:
        raise LimitExceeded(t("case_too_large", size=size, limit=limit),
                            [f"case data of {size} bytes is over the limit of {limit} bytes"], case.id)
    case.workflow_json = document
    case.serializer_version = workflows.SERIALIZER_VERSION
    facts = workflows.tree_facts(wf)
    case.next_timer_at, deadline = facts.next_timer_at, facts.deadline
    if case.overdue and deadline is not None and deadline != case.deadline_at and deadline > now():
        case.overdue = False  # a fresh deadline (a reopened case): overdue again only if the diagram says so
    case.deadline_at = deadline or case.deadline_at
    session.flush()
    if inbox_rows is None:
        inbox_rows = inbox.case_tasks(session, case.id)
    added, rows = inbox.refresh(session, case, facts.ready, inbox_rows)
    for item in added:
        if item.role in notifications.ANNOUNCED_ROLES:
            notifications.add(session, case, "assignment", item.role, unit=item.unit, task_name=item.title,
                              flush=False)
    notifications.deliver_pending(session, {case.id: rows})  # reads recipients, then flushes all of the above
    workflow_cache.keep_after_commit(session, case, document, wf)
    reporter_messages.after_step(session, case, status_before, rows)
    return rows


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
                notifications.add(session, case, "escalation", Role.LEADERSHIP.value, flush=False)
            case "notify", (kind, role, unit):
                unit = _recipient_unit(session, case, role, unit)
                notifications.add(session, case, kind, role, unit=unit, flush=False)
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
        raise ValidationError(t("invalid_input"), {"invited_agency": t("not_active_agency")})
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
