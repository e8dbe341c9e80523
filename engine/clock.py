"""One clock for the whole engine, and for SpiffWorkflow's timers.

SpiffWorkflow reads "now" in exactly one module (its timer event definitions) through that module's global
name ``datetime``. We rebind that name to a subclass whose ``now()`` asks the current engine clock, so tests,
the CLI (``timers run-once --now``) and the worker all move time the same way without sleeping.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


class Clock:
    """The real time, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that only moves when told to. Thread-safe."""

    def __init__(self, start: datetime):
        self._now = _aware(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = _aware(when)

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now = self._now + timedelta(**delta)
            return self._now


_current: Clock = Clock()


def get_clock() -> Clock:
    return _current


def set_clock(clock: Clock) -> Clock:
    """Install `clock` for the engine and SpiffWorkflow; returns the previous one."""
    global _current
    previous, _current = _current, clock
    return previous


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)


def now() -> datetime:
    return _current.now()


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class _ClockedDatetime(datetime):
    """What SpiffWorkflow's timer module sees as ``datetime``: ``now()`` comes from the engine clock."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        current = _current.now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


def _install() -> None:
    if _spiff_timer.datetime is not _ClockedDatetime:
        _spiff_timer.datetime = _ClockedDatetime


_install()
