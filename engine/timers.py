"""Where timers are fired: the worker wakes only cases whose earliest timer is due, under a lease.

A case is taken under a lease (engine/leases.py: owner + expiry set in one conditional UPDATE, candidates
picked with FOR UPDATE SKIP LOCKED on PostgreSQL), so two workers never process the same case at once; a
worker that dies leaves its lease to expire (settings.timer_lease_seconds). A case that fails is
recorded, retried with backoff and, after repeated failures, marked as an incident; it never stops a sweep.
A case that goes over a limit on diagrams (evaluation budget, timer value, document size) is an incident at
once: retrying would fail the same way. Administrators can suspend (no timers fire, no task can be completed),
resume or cancel a case, always with a reason that goes to the case timeline and the audit log.
"""
from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker, undefer

from . import cases, events, leases, review_summary, scheduled, settings, workflows
from .budget import expression_error
from .clock import now
from .db import transaction
from .errors import Conflict, EngineError, LimitExceeded, ValidationError
from .messages import Text, as_data, t
from .models import Case, CaseStatus, InboxItem
from .steps import case_step

log = logging.getLogger(__name__)

INCIDENT_AFTER_FAILURES = 5
MAX_BACKOFF = timedelta(hours=1)
MAX_REASON_CHARS = 1000
CANCELLED = "cancelled"  # the outcome of a case an administrator cancelled


@dataclass
class SweepResult:
    woken: int = 0
    fired: int = 0
    failed: list[int] = field(default_factory=list)
    summarised: int = 0  # events added to the procedure review's summary


def due_case_ids(session: Session, at: datetime, limit: int, exclude: frozenset[int] = frozenset()) -> list[int]:
    """Candidates: cases whose next timer is due and that no live lease holds. Uses the timer index.

    "Due" is strictly before `at`, as SpiffWorkflow fires a timer only once its time has passed.
    """
    query = (select(Case.id)
             .where(Case.next_timer_at < at, Case.suspended.is_(False), leases.free(Case, at))
             .order_by(Case.next_timer_at)
             .limit(limit))
    if exclude:
        query = query.where(Case.id.not_in(sorted(exclude)))
    return list(session.scalars(leases.skip_locked(session, query, Case)))


def lease(session: Session, case_ids: list[int], owner: str, at: datetime) -> list[int]:
    """Take the lease on each candidate that is still free, for the configured lease time (a worker that dies
    holds its cases this long); returns the ones we hold."""
    length = timedelta(seconds=settings.of(session).timer_lease_seconds)
    return leases.take(session, Case, case_ids, owner, at, length, Case.next_timer_at < at,
                       Case.suspended.is_(False))


def fire_case(session: Session, case_id: int, owner: str) -> int:
    """Fire the due timers of one leased case and release the lease. Returns how many timers fired."""
    case = session.get(Case, case_id)
    if case is None or case.lease_owner != owner:
        return 0
    with case_step(session, case_id, "timer") as step:
        fired = step.run(workflows.fire_due_timers)
        for timer in fired:
            events.record(session, step.case, "timer", "timer_fired", task_name=timer.name,
                          detail={"timer_role": timer.role, "element": timer.element})
    case.lease_owner = None
    case.lease_expires_at = None
    case.timer_failures = 0
    case.last_error = case.last_error_message = None
    session.flush()
    return len(fired)


def record_failure(session: Session, case_id: int, owner: str, error: BaseException, at: datetime) -> None:
    case = session.get(Case, case_id)
    if case is None:
        return
    case.timer_failures += 1
    problems = "".join(f"\n{p}" for p in getattr(error, "problems", []))
    case.last_error = ("".join(traceback.format_exception_only(type(error), error)).strip() + problems)[:4000]
    case.last_error_message = reason_of(error)
    backoff = min(timedelta(minutes=2 ** min(case.timer_failures, 10)), MAX_BACKOFF)
    case.lease_owner = None
    case.lease_expires_at = at + backoff
    if (case.timer_failures >= INCIDENT_AFTER_FAILURES or isinstance(error, LimitExceeded)) and not case.incident:
        case.incident = True
        events.record(session, case, "timer", "incident", detail={"error": case.last_error})


def run_once(factory: sessionmaker[Session], *, owner: str | None = None, batch: int = 100,
             max_batches: int | None = None) -> SweepResult:
    """Fire everything due at the engine clock's now; one transaction per case, each case once per run."""
    owner = owner or leases.worker_id()
    result = SweepResult()
    seen: set[int] = set()
    batches = 0
    pending = False  # events the procedure review's summary lacks (read with the first batch: no extra round trip)
    while max_batches is None or batches < max_batches:
        batches += 1
        at = now()
        with transaction(factory) as session:
            held = lease(session, due_case_ids(session, at, batch, frozenset(seen)), owner, at)
            pending = pending or (batches == 1 and review_summary.has_pending(session))
        if not held:
            break
        seen.update(held)
        for case_id in held:
            result.woken += 1
            try:
                with transaction(factory) as session:
                    result.fired += fire_case(session, case_id, owner)
            except (EngineError, Exception) as exc:  # one failing case must not stop the sweep
                log.warning("timer processing failed for case %s: %s", case_id, exc)
                result.failed.append(case_id)
                with transaction(factory) as session:
                    record_failure(session, case_id, owner, exc, at)
    result.fired += scheduled.run_due(factory, owner)  # the leadership's briefings (engine/scheduled.py)
    if pending or result.fired:  # the steps' events into the procedure review's summary
        result.summarised = review_summary.catch_up(factory)
    return result


def next_due(session: Session) -> datetime | None:
    """The earliest timer due on a case no worker holds (uses the timer index)."""
    at = now()
    return session.scalar(select(Case.next_timer_at)
                          .where(Case.next_timer_at.is_not(None), Case.suspended.is_(False), leases.free(Case, at))
                          .order_by(Case.next_timer_at).limit(1))


def run_forever(factory: sessionmaker[Session], stop: threading.Event, poll_seconds: float = 5.0) -> None:
    """The worker loop: sweep, then sleep until the next timer is due — at most one poll interval, so timers
    that other processes create are seen within a poll."""
    owner = leases.worker_id()
    while not stop.is_set():
        pause = poll_seconds
        try:
            result = run_once(factory, owner=owner)
            if result.woken:
                log.info("timer sweep: %s cases woken, %s timers fired, %s failed",
                         result.woken, result.fired, len(result.failed))
            with transaction(factory) as session:
                upcoming = next_due(session)
            if upcoming is not None:
                # SpiffWorkflow fires a timer once its time has passed: wake just after it
                pause = min(poll_seconds, max(0.01, (upcoming - now()).total_seconds() + 0.01))
        except Exception:  # the database may be away for a moment; keep the worker alive
            log.exception("timer sweep failed; retrying after the poll interval")
        stop.wait(pause)


def troubled_cases(session: Session, limit: int = 200) -> list[Case]:
    """Cases whose timers keep failing (incidents first), for the administrators' incident list."""
    return list(session.scalars(select(Case).where(or_(Case.incident.is_(True), Case.timer_failures > 0,
                                                       Case.suspended.is_(True)))
                                .order_by(Case.incident.desc(), Case.timer_failures.desc(), Case.id).limit(limit)
                                .options(undefer(Case.last_error_message))))


def retry_incident(session: Session, actor: str, case_id: int) -> Case:
    """An administrator asks for another try now: the failure count and lease are reset."""
    case = cases.get_case(session, case_id)
    events.record(session, case, actor, "incident_retried", detail={"failures": case.timer_failures,
                                                                     "error": case.last_error})
    case.incident = False
    case.timer_failures = 0
    case.lease_owner = None
    case.lease_expires_at = None
    session.flush()
    return case


def record_incident(session: Session, case_id: int, error: BaseException) -> None:
    """A request hit a limit on diagrams for this case (a bad timer value, say): the request was refused and
    rolled back; this marks the case as an incident for the administrators, in the caller's new transaction."""
    case = session.get(Case, case_id)
    if case is None:
        return
    case.last_error = str(error)[:4000] + "".join(f"\n{p}" for p in getattr(error, "problems", []))[:4000]
    case.last_error_message = reason_of(error)
    if not case.incident:
        case.incident = True
        events.record(session, case, "system", "incident", detail={"error": case.last_error})
    session.flush()


def reason_of(error: BaseException) -> dict | None:
    """Why a case failed, as a stored message code: the error's own message and, when diagram code failed, the
    evaluator's reason (a script's line and what went wrong on this case's data); None if neither is a code."""
    message = error.args[0] if error.args else None
    cause = expression_error(error)
    if cause is None:
        return as_data(message)
    if isinstance(message, Text) and message != cause.message:
        return as_data(t("incident_reason", error=message, detail=cause.message))
    return as_data(cause.message)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(t("reason_required"), {"reason": t("reason_required")})
    if len(text) > MAX_REASON_CHARS:
        raise ValidationError(t("reason_too_long"), {"reason": t("too_long", limit=MAX_REASON_CHARS)})
    return text


def _open_case(session: Session, case_id: int) -> Case:
    case = cases.get_case(session, case_id)
    if case.status in (CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED):
        raise Conflict(t("case_already_closed", case=case.code))
    return case


def suspend_case(session: Session, actor: str, case_id: int, reason: str | None) -> Case:
    """Stop a runaway case: its timers do not fire and its tasks cannot be completed until it is resumed."""
    text = _reason(reason)
    case = _open_case(session, case_id)
    if case.suspended:
        raise Conflict(t("case_already_suspended", case=case.code))
    case.suspended, case.suspend_reason = True, text
    return _recorded(session, actor, case, "case_suspended", text)


def resume_case(session: Session, actor: str, case_id: int, reason: str | None) -> Case:
    """Let a suspended case go on: timers that fell due meanwhile fire at the next sweep."""
    text = _reason(reason)
    case = _open_case(session, case_id)
    if not case.suspended:
        raise Conflict(t("case_not_suspended", case=case.code))
    case.suspended, case.suspend_reason = False, None
    case.incident, case.timer_failures, case.lease_owner, case.lease_expires_at = False, 0, None, None
    return _recorded(session, actor, case, "case_resumed", text)


def cancel_case(session: Session, actor: str, case_id: int, reason: str | None) -> Case:
    """End a case for good: closed with the outcome "cancelled", no open tasks, no timers."""
    text = _reason(reason)
    case = _open_case(session, case_id)
    before = case.status
    case.status, case.outcome, case.closed_at = CaseStatus.CLOSED.value, CANCELLED, now()
    case.suspended, case.suspend_reason, case.incident, case.timer_failures = False, None, False, 0
    case.next_timer_at, case.lease_owner, case.lease_expires_at = None, None, None
    session.execute(delete(InboxItem).where(InboxItem.case_id == case.id).execution_options(
        synchronize_session=False))
    return _recorded(session, actor, case, "case_cancelled", text, from_status=before)


def _recorded(session: Session, actor: str, case: Case, kind: str, reason: str, from_status: str | None = None
              ) -> Case:
    """An administrator's action on a case, with its reason in the case timeline and the audit log."""
    events.record(session, case, actor, kind, from_status=from_status, detail={"reason": reason})
    events.audit(session, actor, kind, {"case": case.code, "reason": reason})
    session.flush()
    return case
