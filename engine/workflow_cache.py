"""A per-process cache of deserialized workflows, so that a case stepped twice in this process is deserialized
once (a completion after the report, the next completion after that one, a timer after a completion).

Safe by construction:
* an entry is the workflow *as committed*: it enters the cache only after the transaction that saved it commits
  (`after_commit`), and is dropped when that transaction rolls back;
* it is used only when the case row just loaded holds exactly the document the entry was saved as (same text,
  same parsed version): a change by any other process, worker or transaction — or another database with the
  same case id — makes a miss, never a stale hit;
* a step *takes* its entry out (the workflow is mutated by the step; no two steps ever share one), and only a
  committed save puts one back;
* bounded (MAX_ENTRIES, least recently used dropped first), guarded by a lock for threaded servers.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import versions, workflows
from .functions import Effects
from .models import Case

MAX_ENTRIES = 64
_PENDING = "rr_workflows_to_cache"


@dataclass(frozen=True)
class _Entry:
    document: str
    parsed: versions.ParsedProcess
    workflow: BpmnWorkflow


_LOCK = threading.Lock()
_ENTRIES: OrderedDict[tuple[str, int], _Entry] = OrderedDict()
stats = {"hits": 0, "misses": 0}


def _key(session: Session, case: Case) -> tuple[str, int]:
    return (session.get_bind().url.render_as_string(hide_password=True), case.id)


def take(session: Session, case: Case, effects: Effects) -> BpmnWorkflow:
    """The case's workflow for a step: the cached one when it is exactly the loaded document, else deserialized."""
    parsed = versions.parsed(case.process_version)
    with _LOCK:
        entry = _ENTRIES.pop(_key(session, case), None)
    if entry is not None and entry.parsed is parsed and entry.document == case.workflow_json:
        stats["hits"] += 1
        wf = entry.workflow
        wf.script_engine = workflows.script_engine_for(effects, lambda: wf)
        return wf
    stats["misses"] += 1
    return workflows.loads(case.workflow_json, effects, parsed)


def keep_after_commit(session: Session, case: Case, document: str, wf: BpmnWorkflow) -> None:
    """Cache `wf` (saved as `document`) once this session's transaction commits."""
    session.info.setdefault(_PENDING, {})[_key(session, case)] = _Entry(document, versions.parsed(
        case.process_version), wf)


def clear() -> None:
    with _LOCK:
        _ENTRIES.clear()


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    with _LOCK:
        for key, entry in pending.items():
            _ENTRIES[key] = entry
            _ENTRIES.move_to_end(key)
        while len(_ENTRIES) > MAX_ENTRIES:
            _ENTRIES.popitem(last=False)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
