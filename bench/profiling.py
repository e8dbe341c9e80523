"""Where the time of a persisted lifecycle goes: exclusive time per engine part, and cProfile's top functions.

`Breakdown` wraps engine and SQLAlchemy functions *in this process only* (the engine's files are not touched)
and charges each wrapped call its own time minus the time of the wrapped calls inside it, so the parts add up
to the total without double counting.
"""
from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

import engine.cases
import engine.events
import engine.inbox
import engine.notifications
import engine.workflows

# (object, attribute, part) — the parts a persisted step is made of
_TARGETS: list[tuple[Any, str, str]] = [
    (engine.workflows, "loads", "deserialize workflow (JSON → BpmnWorkflow)"),
    (engine.workflows, "dumps", "serialize workflow (BpmnWorkflow → JSON)"),
    (engine.workflows, "start", "SpiffWorkflow: run engine steps"),
    (engine.workflows, "complete", "SpiffWorkflow: run engine steps"),
    (engine.workflows, "ready_tasks", "read task tree (ready tasks, due times)"),
    (engine.workflows, "next_timer_due", "read task tree (ready tasks, due times)"),
    (engine.workflows, "case_deadline", "read task tree (ready tasks, due times)"),
    (engine.workflows, "tree_facts", "read task tree (ready tasks, due times)"),
    (engine.workflows, "find_task", "read task tree (ready tasks, due times)"),
    (engine.cases, "validate_form_data", "form validation (jsonschema)"),
    (engine.inbox, "refresh", "inbox refresh (Python part)"),
    (engine.events, "record", "case events (Python part)"),
    (engine.notifications, "add", "notifications + outbox (Python part)"),
    (Session, "flush", "SQL: flush (INSERT/UPDATE/DELETE)"),
    (Session, "commit", "SQL: commit"),
    (Session, "get", "SQL: queries (incl. loading the case + version bundle)"),
    (Session, "execute", "SQL: queries (incl. loading the case + version bundle)"),
    (Session, "scalar", "SQL: queries (incl. loading the case + version bundle)"),
    (Session, "scalars", "SQL: queries (incl. loading the case + version bundle)"),
    (Session, "close", "SQL: session close / connection return"),
]
OTHER = "other (services' own Python, ORM bookkeeping)"


class Breakdown:
    def __init__(self) -> None:
        self.exclusive: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[float] = []

    def _wrap(self, part: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            self._stack.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                inner = self._stack.pop()
                self.exclusive[part] += elapsed - inner
                self.calls[part] += 1
                if self._stack:
                    self._stack[-1] += elapsed
        return timed

    @contextmanager
    def installed(self) -> Iterator[Breakdown]:
        originals = []
        for owner, name, part in _TARGETS:
            original = getattr(owner, name)
            originals.append((owner, name, original))
            setattr(owner, name, self._wrap(part, original))
        try:
            yield self
        finally:
            for owner, name, original in reversed(originals):
                setattr(owner, name, original)

    def report(self, total_seconds: float, lifecycles: int) -> list[dict[str, Any]]:
        """Parts sorted by time: ms per lifecycle and share of the total (with the unattributed rest)."""
        parts = dict(self.exclusive)
        parts[OTHER] = max(total_seconds - sum(parts.values()), 0.0)
        rows = [{"part": part, "ms_per_lifecycle": seconds * 1000 / lifecycles,
                 "share": seconds / total_seconds if total_seconds else 0.0, "calls": self.calls.get(part, 0)}
                for part, seconds in parts.items()]
        return sorted(rows, key=lambda row: -row["ms_per_lifecycle"])


def profile_top(run: Callable[[], Any], limit: int = 25) -> str:
    """cProfile of `run`, the top functions by cumulative time, as text (paths shortened)."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        run()
    finally:
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    text = out.getvalue()
    for prefix in ("site-packages/", "/work/main/"):
        text = "\n".join(line if prefix not in line else line[:_column(line)] + line[line.index(prefix) +
                         len(prefix):] for line in text.splitlines())
    return text


def _column(line: str) -> int:
    """Where the file name starts in a pstats line (after the five number columns)."""
    fields, position = 0, 0
    while fields < 5 and position < len(line):
        while position < len(line) and line[position] == " ":
            position += 1
        while position < len(line) and line[position] != " ":
            position += 1
        fields += 1
    return position + 1
