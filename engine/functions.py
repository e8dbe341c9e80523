"""The reviewed functions a diagram may call, in conditions, timer expressions and script tasks.

These are the only callables the restricted evaluator exposes. Functions with side effects do not touch the
database: they record an `Effect`, and the engine applies the effects to the case after the engine step, in
the same transaction as the saved workflow.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .clock import now as clock_now
from .models import LANE_ROLES, CaseStatus

CLOSE_OUTCOMES = frozenset({"resolved", "auto_closed", "dispute_upheld", "out_of_scope", "duplicate"})
NOT_ACCEPTED_OUTCOMES = frozenset({"out_of_scope", "duplicate"})


@dataclass(frozen=True)
class Effect:
    name: str
    args: tuple[Any, ...] = ()


@dataclass
class Effects:
    """What the diagram asked for during one engine step."""

    items: list[Effect] = field(default_factory=list)

    def add(self, name: str, *args: Any) -> None:
        self.items.append(Effect(name, args))

    def drain(self) -> list[Effect]:
        items, self.items = self.items, []
        return items


def parse_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not an ISO-8601 date-time: {value!r}") from exc
    else:
        raise ValueError(f"not a date-time: {value!r}")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, not {value!r}")
    return value


def _choice(value: Any, allowed: frozenset[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(sorted(allowed))}; got {value!r}")
    return value


def build_functions(effects: Effects) -> dict[str, Callable[..., Any]]:
    """The reviewed functions, bound to one case's effect list."""

    def hours_after(timestamp: Any, hours: Any) -> str:
        return (parse_timestamp(timestamp) + timedelta(hours=_number(hours, "hours"))).isoformat()

    def now() -> str:
        return clock_now().isoformat()

    def set_status(status: Any) -> None:
        effects.add("set_status", _choice(status, frozenset(CaseStatus), "status"))

    def mark_overdue() -> None:
        effects.add("mark_overdue")

    def notify(kind: Any, role: Any) -> None:
        if not isinstance(kind, str) or not kind:
            raise ValueError("notification kind must be a non-empty string")
        effects.add("notify", kind, _choice(role, frozenset(LANE_ROLES), "role"))

    def reassign_unit(unit: Any) -> None:
        if not isinstance(unit, str) or not unit:
            raise ValueError("unit must be a unit code")
        effects.add("reassign_unit", unit)

    def publish_result() -> None:
        effects.add("publish_result")

    def close_case(outcome: Any) -> None:
        effects.add("close_case", _choice(outcome, CLOSE_OUTCOMES, "outcome"))

    return {f.__name__: f for f in (hours_after, now, set_status, mark_overdue, notify, reassign_unit,
                                     publish_result, close_case)}


REVIEWED_FUNCTION_NAMES = frozenset(build_functions(Effects()))
