"""Micro-measurements that explain measurement 1: what one workflow document and one case load cost."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from engine import cases, workflows
from engine.clock import now
from engine.functions import Effects
from engine.versions import ParsedProcess

from .databases import Backend
from .lifecycle import REPORT, steps


def _median_ms(run: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def workflow_document(parsed: ParsedProcess, version_id: int, repeats: int = 50) -> dict[str, Any]:
    """Size and (de)serialization time of a level-1 case waiting at start_handling (spec by reference)."""
    wf = workflows.start(parsed, {"report": REPORT, "received_at": now().isoformat(), "case_code": "BENCH-00000"},
                         Effects())
    for step in steps(1)[:2]:
        info = next(t for t in workflows.ready_tasks(wf) if t.name == step.task)
        workflows.complete(wf, workflows.find_task(wf, info.id), step.data)
    document = workflows.dumps(wf)
    return {
        "tasks_in_tree": len(wf.get_tasks()), "version_id": version_id, "bytes": len(document),
        "dumps_ms": _median_ms(lambda: workflows.dumps(wf), repeats),
        "loads_ms": _median_ms(lambda: workflows.loads(document, Effects(), parsed), repeats),
    }


def case_load(backend: Backend, case_id: int, repeats: int = 50) -> dict[str, float]:
    """Median ms to load one case in a fresh session, as `get_case` does (the version's bundle is deferred)."""
    def timed(getter) -> float:
        times = []
        for _ in range(repeats):
            with backend.factory() as session:
                session.connection()
                start = time.perf_counter()
                getter(session, case_id)
                times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    timed(cases.get_case)  # warm up
    return {"get_case_ms": timed(cases.get_case)}
