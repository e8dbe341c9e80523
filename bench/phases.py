"""Where the CPU of an HTTP task completion goes, by phase, without a profiler's overhead (`python -m
bench.http_profile --phases`).

cProfile multiplies the cost of every Python call, so it overstates code made of many small calls (SpiffWorkflow's
serializer, SQLAlchemy's unit of work) against code that runs in C (JSON, psycopg, hashing). Here each phase is a
function of the code under measurement, wrapped for one round in a timer of the calling thread's CPU time
(`time.thread_time`), counted once however deeply it recurses and, for a phase listed under another, only while
that other one runs. The wrappers replace module and class attributes (every phase is looked up through one at
each call) for one round only; a phase whose function this checkout does not have is shown as absent.
"""
from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from typing import Any


@dataclass(frozen=True)
class Phase:
    label: str
    module: str
    attribute: str  # "function" or "Class.method"
    parent: str | None = None  # counted only while this phase (a label) runs
    children: tuple[Phase, ...] = field(default=())


def _tree(label: str, module: str, attribute: str, *children: Phase) -> Phase:
    return Phase(label, module, attribute, children=children)


PHASES = _tree(
    "Flask's handling of the two requests (Flask.wsgi_app)", "flask.app", "Flask.wsgi_app",
    _tree("reading and checking the session cookie", "flask.sessions", "SecureCookieSessionInterface.open_session"),
    _tree("before-request checks: CSRF token (POST), rate limits", "flask.app", "Flask.preprocess_request"),
    _tree("reading the signed-in user (one statement per request)", "engine.accounts", "signed_in_user"),
    _tree("reading the case and its task (one statement per request)", "engine.casefile", "task_page"),
    _tree("rendering the task page: its form fields", "webui.formrender", "render_fields"),
    _tree("rendering the task page: the templates", "flask.templating", "_render"),
    _tree("completing the task (engine.cases.complete_task)", "engine.cases", "complete_task",
          _tree("loading the workflow from the case document", "engine.workflow_cache", "take"),
          _tree("SpiffWorkflow's steps: the task and what follows it", "engine.workflows", "complete"),
          _tree("saving the step (engine.steps.save)", "engine.steps", "save",
                _tree("serializing the case document", "engine.workflows", "dumps"),
                _tree("reading deadlines, timers and ready tasks off the task tree", "engine.workflows",
                      "tree_facts"),
                _tree("writing the rows (SQLAlchemy flushes)", "sqlalchemy.orm.session", "Session.flush"))),
    _tree("committing (one per request)", "sqlalchemy.orm.session", "Session.commit"),
    _tree("after-request work: writing the session cookie, headers", "flask.app", "Flask.process_response"),
)


def _walk(phase: Phase, parent: str | None = None) -> Iterator[tuple[Phase, str | None]]:
    yield phase, parent
    for child in phase.children:
        yield from _walk(child, phase.label)


class Timers:
    """Thread CPU seconds per phase label while `installed`; absent phases are remembered, not timed."""

    def __init__(self, root: Phase = PHASES) -> None:
        self.root = root
        self.seconds: dict[str, float] = {}
        self.absent: set[str] = set()
        self._local = threading.local()

    def _active(self) -> dict[str, int]:
        if not hasattr(self._local, "depth"):
            self._local.depth = {}
        return self._local.depth

    def _wrap(self, label: str, parent: str | None, original: Callable) -> Callable:
        @wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            depth = self._active()
            if depth.get(label) or (parent is not None and not depth.get(parent)):
                return original(*args, **kwargs)  # a nested call, or outside the phase it belongs to
            depth[label] = 1
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.thread_time() - start
                depth[label] = 0
        return timed

    @contextmanager
    def installed(self) -> Iterator[Timers]:
        undo: list[tuple[Any, str, Any]] = []
        try:
            for phase, parent in _walk(self.root):
                owner, name = _owner(phase)
                if owner is None or not callable(getattr(owner, name, None)):
                    self.absent.add(phase.label)
                    continue
                original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
                undo.append((owner, name, original))
                setattr(owner, name, self._wrap(phase.label, parent, original))
            yield self
        finally:
            for owner, name, original in reversed(undo):
                setattr(owner, name, original)

    def reset(self) -> None:
        self.seconds.clear()

    def lines(self, completions: int, total_seconds: float) -> list[str]:
        """The table: ms per completion and share of the completion, children indented under their phase, and
        what each phase's children leave unaccounted ("the rest")."""
        def ms(seconds: float) -> str:
            return f"{seconds * 1000 / completions:7.2f} ms {seconds / total_seconds:6.1%}"

        out = [f"{ms(total_seconds)}  the completion as the client sends it (GET form + POST)",
               f"{ms(total_seconds - self.seconds.get(self.root.label, 0.0))}    the test client's own work "
               "(building the requests, its cookie jar; under gunicorn: the server's)"]

        def add(phase: Phase, depth: int) -> None:
            indent = "  " * (depth + 1)
            if phase.label in self.absent:
                out.append(f"{'–':>10} {'':>6}  {indent}{phase.label}: not in this checkout")
                return
            spent = self.seconds.get(phase.label, 0.0)
            out.append(f"{ms(spent)}  {indent}{phase.label}")
            for child in phase.children:
                add(child, depth + 1)
            if phase.children:
                rest = spent - sum(self.seconds.get(child.label, 0.0) for child in phase.children)
                out.append(f"{ms(rest)}  {indent}  the rest of it")

        add(self.root, 0)
        return out


def _owner(phase: Phase) -> tuple[Any, str]:
    try:
        owner: Any = importlib.import_module(phase.module)
    except ImportError:
        return None, ""
    *path, name = phase.attribute.split(".")
    for part in path:
        owner = getattr(owner, part, None)
        if owner is None:
            return None, ""
    return owner, name
