"""Scheduled processes: the leadership reporting diagram (processes/bpmn/reporting.bpmn), run by SpiffWorkflow on
rows of their own (`models_reporting.ScheduledRun`), never on a `Case`.

One instance serves one briefing. It is started with its schedule ("weekly" or "quarterly") and the time it was
started; the diagram computes when the briefing falls (`next_weekly_briefing`, `next_quarter_briefing`) and the
period it reviews (`report_period`), then waits on a timer. The timer worker (`engine/timers.py` calls
`run_due`) fires it under a lease, like a case; the review task then waits in leadership's inbox until someone
acknowledges it, which ends the instance. Whenever no instance of a schedule is waiting (at `init-db`, and at
every worker sweep) the next one is started, so exactly one waits per schedule and no instance loops or grows.
Callers own the transaction (we only flush), except `run_due`, which is a worker job with its own transactions.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker, undefer

from forms import validate_form_data

from . import leases, review_notices, settings, versions, workflows
from .actors import Actor
from .briefings import SCHEDULES
from .clock import now
from .db import transaction
from .errors import Conflict, LimitExceeded, NotFound, PermissionDenied, ProcessError, ValidationError
from .events import audit
from .functions import Effects, parse_timestamp
from .messages import t
from .models import ProcessVersion, Role
from .models_reporting import RunStatus, ScheduledRun
from .steps import run_step

log = logging.getLogger(__name__)
PROCESS_ID = versions.REPORTING_PROCESS_ID


@dataclass(frozen=True)
class StartResult:
    deployed: ProcessVersion | None
    started: list[ScheduledRun]


def install(session: Session, actor: str) -> StartResult:
    """Deploy the reporting process from processes/bpmn if it has no active version yet, and make sure one
    instance of each schedule is waiting. Idempotent (`init-db` runs it every time)."""
    deployed = None
    if versions.find_active_version(session, PROCESS_ID) is None:
        deployed = versions.deploy(session, versions.read_bundle(PROCESS_ID), actor=actor,
                                   note="initial deployment from processes/bpmn")
    return StartResult(deployed, ensure_waiting(session))


def ensure_waiting(session: Session) -> list[ScheduledRun]:
    """Start the next instance of every schedule that has none waiting, on the active version (nothing before the
    process is deployed). Two workers at once start it once: the second meets the unique period and backs off."""
    version = versions.find_active_version(session, PROCESS_ID)
    if version is None:
        return []
    waiting = set(session.scalars(select(ScheduledRun.schedule).where(
        ScheduledRun.process_id == PROCESS_ID, ScheduledRun.status == RunStatus.WAITING.value)))
    started = []
    for schedule in SCHEDULES:
        if schedule in waiting:
            continue
        try:
            run = _start(session, version, schedule)
        except (ProcessError, LimitExceeded, ValidationError) as exc:  # one broken branch: the others still start
            log.warning("%s %s: the next instance could not be started: %s %s", PROCESS_ID, schedule, exc,
                        getattr(exc, "problems", ""))
            continue
        if run is not None:
            started.append(run)
    return started


def _start(session: Session, version: ProcessVersion, schedule: str) -> ScheduledRun | None:
    effects = Effects()
    wf = run_step(lambda: workflows.start(versions.parsed(version), {"schedule": schedule,
                                                                     "started_at": now().isoformat()}, effects))
    _refuse_case_effects(effects)
    data = _waiting_data(wf)
    period, briefing = data.get("period"), data.get("briefing_at")
    if not isinstance(period, str) or not 0 < len(period) <= 10 or briefing is None:
        raise ProcessError(f"{PROCESS_ID}: the diagram must set `period` and `briefing_at` before its timer")
    run = ScheduledRun(process_id=PROCESS_ID, process_version=version, schedule=schedule, period=period,
                       briefing_at=parse_timestamp(briefing), status=RunStatus.WAITING.value)
    try:
        with session.begin_nested():
            session.add(run)
            _store(session, run, wf)
    except IntegrityError:  # this period's instance exists already (another worker, or it is open or done)
        return None
    return run


def _waiting_data(wf: BpmnWorkflow) -> dict[str, Any]:
    timers = workflows.waiting_timers(wf)
    return dict(timers[0].data) if timers else {}


def _refuse_case_effects(effects: Effects) -> None:
    asked = effects.drain()
    if asked:
        names = ", ".join(sorted({e.name for e in asked}))
        raise ProcessError(f"{PROCESS_ID}: functions that change a case ({names}) cannot run in a scheduled process")


def _store(session: Session, run: ScheduledRun, wf: BpmnWorkflow) -> None:
    """Save the document (within the case document limit), the timer index and the open review task."""
    document = workflows.dumps(wf)
    size, limit = len(document.encode()), settings.of(session).max_case_bytes
    if size > limit:
        raise LimitExceeded(t("scheduled_too_large", size=size, limit=limit))
    run.workflow_json = document
    run.serializer_version = workflows.SERIALIZER_VERSION
    run.next_timer_at = workflows.next_timer_due(wf)
    tasks = workflows.ready_tasks(wf)
    task = tasks[0] if tasks else None
    opened = task is not None and run.task_id != task.id
    if opened:
        run.opened_at = now()
    run.task_id = task.id if task else None
    run.task_title = task.title[:200] if task else None
    run.task_role = task.role if task else None
    if wf.is_completed():
        run.status = RunStatus.DONE.value
    elif task is not None:
        run.status = RunStatus.OPEN.value
    session.flush()
    if opened:
        review_notices.announce(session, run)  # leadership is told (in-app list and e-mail)


def _load(run: ScheduledRun) -> tuple[BpmnWorkflow, Effects]:
    effects = Effects()
    return workflows.loads(run.workflow_json, effects, versions.parsed(run.process_version)), effects


# ---- the worker ---------------------------------------------------------------------------------------------

def run_due(factory: sessionmaker[Session], owner: str, batch: int = 20) -> int:
    """Fire the due timers of scheduled instances (each under a lease, one transaction each), then start the next
    instances. Returns how many timers fired. A failing instance is marked `failed` and never stops the sweep."""
    at = now()
    fired = 0
    with transaction(factory) as session:
        candidates = list(session.scalars(leases.skip_locked(session, select(ScheduledRun.id).where(
            ScheduledRun.status == RunStatus.WAITING.value, ScheduledRun.next_timer_at < at,
            leases.free(ScheduledRun, at)).order_by(ScheduledRun.next_timer_at).limit(batch), ScheduledRun)))
        length = timedelta(seconds=settings.of(session).timer_lease_seconds)
        held = leases.take(session, ScheduledRun, candidates, owner, at, length)
    for run_id in held:
        try:
            with transaction(factory) as session:
                fired += _fire(session, run_id, owner)
        except Exception as exc:  # one failing instance must not stop the sweep
            log.warning("scheduled process %s failed: %s", run_id, exc)
            with transaction(factory) as session:
                _record_failure(session, run_id, exc)
    try:
        with transaction(factory) as session:
            ensure_waiting(session)
    except Exception as exc:  # a broken active version: logged at every sweep, the cases' timers go on
        log.warning("the next scheduled instance could not be started: %s", exc)
    return fired


def _fire(session: Session, run_id: int, owner: str) -> int:
    run = session.get(ScheduledRun, run_id, options=[undefer(ScheduledRun.workflow_json)])
    if run is None or run.lease_owner != owner:
        return 0
    wf, effects = _load(run)
    fired = run_step(lambda: workflows.fire_due_timers(wf))
    _refuse_case_effects(effects)
    _store(session, run, wf)
    run.lease_owner, run.lease_expires_at = None, None
    session.flush()
    return len(fired)


def _record_failure(session: Session, run_id: int, error: BaseException) -> None:
    run = session.get(ScheduledRun, run_id)
    if run is not None:
        run.status, run.last_error = RunStatus.FAILED.value, str(error)[:4000]
        run.lease_owner, run.lease_expires_at, run.next_timer_at = None, None, None


# ---- leadership's review task ---------------------------------------------------------------------------------

def _may_review(actor: Actor, run: ScheduledRun) -> bool:
    """Leadership; an open task also needs the task's own lane role (the diagram's lane)."""
    return Role.LEADERSHIP.value in actor.roles and (run.task_role is None or run.task_role in actor.roles)


def open_reviews(session: Session, actor: Actor, limit: int = 50) -> list[ScheduledRun]:
    """The review tasks waiting for the actor's roles (leadership), the oldest briefing first."""
    roles = sorted(actor.roles & {Role.LEADERSHIP.value})
    if not roles:
        return []
    return list(session.scalars(select(ScheduledRun).where(ScheduledRun.status == RunStatus.OPEN.value,
                                                           ScheduledRun.task_role.in_(roles))
                                .order_by(ScheduledRun.briefing_at, ScheduledRun.id).limit(limit)))


def recent_reviews(session: Session, actor: Actor, limit: int = 10) -> list[ScheduledRun]:
    """The latest completed reviews (who acknowledged which period, with their comment), for leadership."""
    if Role.LEADERSHIP.value not in actor.roles:
        return []
    return list(session.scalars(select(ScheduledRun).where(ScheduledRun.status == RunStatus.DONE.value)
                                .order_by(ScheduledRun.completed_at.desc(), ScheduledRun.id.desc()).limit(limit)))


def review(session: Session, actor: Actor, run_id: int) -> ScheduledRun:
    """One review task (open or done) the actor may see."""
    run = session.get(ScheduledRun, run_id)
    if run is None or run.status not in (RunStatus.OPEN.value, RunStatus.DONE.value):
        raise NotFound(t("task_missing"))  # a review is a task of the inbox
    if Role.LEADERSHIP.value not in actor.roles:
        raise PermissionDenied(t("reviews_leadership_only"))
    return run


def complete_review(session: Session, actor: Actor, run_id: int, data: dict[str, Any],
                    expected_version: int | None = None) -> ScheduledRun:
    """Acknowledge the report (with an optional comment): the task leaves the inbox and the instance ends."""
    run = session.get(ScheduledRun, run_id, options=[undefer(ScheduledRun.workflow_json)])
    if run is None:
        raise NotFound(t("task_missing"))  # a review is a task of the inbox
    if not _may_review(actor, run):
        raise PermissionDenied(t("reviews_leadership_only"))
    if run.status != RunStatus.OPEN.value:
        raise Conflict(t("review_done"))
    if expected_version is not None and expected_version != run.row_version:
        raise Conflict(t("review_changed"))
    values = {name: value.strip() if isinstance(value, str) else value for name, value in data.items()
              if value not in (None, "")}
    wf, effects = _load(run)
    task = workflows.find_task(wf, run.task_id or "")
    if task is None:
        raise Conflict(t("review_done"))
    schema = versions.version_form(run.process_version, workflows.describe(task).form)
    errors = validate_form_data(schema, values) if schema else {}
    if errors:
        raise ValidationError(t("invalid_input"), errors)
    run_step(lambda: workflows.complete(wf, task, {**values, "reviewed_by": actor.username}))
    _refuse_case_effects(effects)
    comment = values.get("review_comment")
    run.completed_by, run.completed_at = actor.username, now()
    run.comment = comment if isinstance(comment, str) else None
    _store(session, run, wf)
    audit(session, actor.username, "report_reviewed", {"schedule": run.schedule, "period": run.period})
    return run


def review_form(session: Session, run: ScheduledRun) -> dict[str, Any] | None:
    """The JSON Schema of the run's open task, from the version it runs on (the diagram names it)."""
    if run.status != RunStatus.OPEN.value:
        return None
    wf, _effects = _load(session.get(ScheduledRun, run.id, options=[undefer(ScheduledRun.workflow_json)]))
    task = workflows.find_task(wf, run.task_id or "")
    return versions.version_form(run.process_version, workflows.describe(task).form) if task else None


def runs(session: Session, limit: int = 50) -> list[ScheduledRun]:
    """The latest instances of every schedule, for operators (status, period, briefing time, errors)."""
    return list(session.scalars(select(ScheduledRun).order_by(ScheduledRun.briefing_at.desc(), ScheduledRun.id.desc())
                                .limit(limit)))


def briefing_local(run: ScheduledRun) -> datetime:
    return run.briefing_at.astimezone(settings.LOCAL_TZ)
