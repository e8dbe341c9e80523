"""What one evaluation of diagram code may cost: steps, wall-clock time and the size of what it builds.

Limits (per evaluation of one expression, condition, timer expression or script):
- `MAX_VALUE_SIZE` = 100,000 units for any single value built: a string or bytes counts its length (at least
  1), a list, tuple, set or dict counts 1 plus the size of every element (keys and values), recursively, and
  anything else 1 (a shared element counts each time it appears, as it would in the saved JSON document).
  So `['a' * 100000] * 2000` is 200 million units and is refused *before* the multiplication runs.
- `MAX_BUILT` = 1,000,000 units for everything built in one evaluation together.
- `MAX_STEPS` = 10,000 evaluated parts of expressions.
- `MAX_SECONDS` = 1.0 second of wall-clock time (real elapsed time, not the engine clock).
- Integers beyond 10**18 in absolute value are refused (`MAX_INT`).
Over any limit the evaluation stops with `LimitError`, a kind of `ExpressionError`.

A reviewed function may do a one-time preparation of ours inside an evaluation `unbilled`: the time it takes is
not counted against the evaluation's second (its steps and sizes still are).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .messages import t

MAX_VALUE_SIZE = 100_000
MAX_BUILT = 1_000_000
MAX_STEPS = 10_000
MAX_SECONDS = 1.0
MAX_INT = 10**18

_FLAT = (str, bytes, bytearray)
_SEQUENCES = (list, tuple, set, frozenset)


class ExpressionError(ValueError):
    """A problem a process owner can read and fix: refused construct, limit exceeded or run-time error."""

    def __init__(self, message: str, lineno: int | None = None):
        super().__init__(message)
        self.message = message
        self.lineno = lineno

    def __str__(self) -> str:
        return self.message


class LimitError(ExpressionError):
    """The evaluation went over one of the budgets above (size, steps or time)."""


def expression_error(error: BaseException) -> ExpressionError | None:
    """The evaluator's error behind `error` (SpiffWorkflow wraps it, in `exception`, `__cause__` or
    `__context__`), if there is one: its message is a message code, where the library's text is English."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ExpressionError):
            return current
        seen.add(id(current))
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return None


def measure(value: Any, limit: int = MAX_VALUE_SIZE) -> int:
    """The size of a value in units (see the module docstring); raises LimitError as soon as it passes `limit`,
    so measuring costs at most about `limit` steps whatever the value."""
    total, stack = 0, [value]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind in _FLAT:
            total += max(len(current), 1)
        elif kind in _SEQUENCES:
            total += 1
            stack.extend(current)
        elif kind is dict:
            total += 1
            stack.extend(current.keys())
            stack.extend(current.values())
        else:
            total += 1
        if total > limit:
            raise LimitError(t("b_too_large_all", limit=limit))
    return total


def check_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise LimitError(t("b_number", limit=f"{MAX_INT:.0e}"))
    return value


_CALLING: ContextVar[Budget | None] = ContextVar("rr_budget_calling", default=None)


@contextmanager
def unbilled() -> Iterator[None]:
    """Work of ours, inside a reviewed function an evaluation calls, that the evaluation's time limit does not count:
    a preparation made once per process (Vietnam's public holidays of the years around now: 0.1–0.2 s, several times
    that on a busy machine), which would otherwise stop the first diagram that needs it. Use it only for work that
    the diagram cannot repeat at will. Outside an evaluation it changes nothing."""
    started = time.monotonic()
    try:
        yield
    finally:
        budget = _CALLING.get()
        if budget is not None:
            budget.deadline += time.monotonic() - started


class Budget:
    """The running costs of one evaluation."""

    def __init__(self, max_steps: int | None = None, max_seconds: float | None = None,
                 max_built: int | None = None):
        self.steps = 0
        self.built = 0
        self.max_steps = max_steps or MAX_STEPS
        self.max_built = max_built or MAX_BUILT
        self.max_seconds = max_seconds or MAX_SECONDS
        self.deadline = time.monotonic() + self.max_seconds

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            raise LimitError(t("b_steps", limit=self.max_steps))
        self._in_time()

    def _in_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitError(t("b_time", limit=f"{self.max_seconds:g}"))

    def call(self, function: Callable, *args: Any, **kwargs: Any) -> Any:
        """A reviewed function's result, accounted for; the function may do work `unbilled`."""
        calling = _CALLING.set(self)
        try:
            result = function(*args, **kwargs)
        finally:
            _CALLING.reset(calling)
        self._in_time()  # the function's own time counts even when nothing is evaluated after it
        return self.built_value(result)

    def allow(self, size: int) -> None:
        """Account for a value about to be built; refuse it if it is too big alone or in all."""
        if size > MAX_VALUE_SIZE:
            raise LimitError(t("b_too_large", limit=MAX_VALUE_SIZE))
        self.built += size
        if self.built > self.max_built:
            raise LimitError(t("b_built", limit=self.max_built))

    def built_value(self, value: Any) -> Any:
        """Account for a value that was just built (by a literal or a function)."""
        check_int(value)
        self.allow(measure(value))
        return value
