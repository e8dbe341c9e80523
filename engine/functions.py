"""The reviewed functions a diagram may call, in conditions, timer expressions and script tasks.

These are the only callables the restricted evaluator exposes. Functions with side effects do not touch the
database: they record an `Effect`, and the engine applies the effects to the case after the engine step, in
the same transaction as the saved workflow.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from . import briefings
from .clock import now as clock_now
from .messages import t
from .models import LANE_ROLES, CaseStatus

CLOSE_OUTCOMES = frozenset({"resolved", "auto_closed", "dispute_upheld", "out_of_scope", "duplicate"})
NOT_ACCEPTED_OUTCOMES = frozenset({"out_of_scope", "duplicate"})
# What `require` may say when a rule of the diagram refuses a form: message codes (engine.messages).
RULE_MESSAGES = {code: t(code) for code in
                 ("ward_committee_for_level_1", "inspectorate_for_levels_2_3", "agency_for_level_3",
                  "agency_already_invited", "agency_not_invited", "inspection_time_window")}
MAX_COLLECTION = 200  # items a collection function of the diagram looks at
_UNIT_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class RuleRefused(Exception):  # noqa: N818 - a refusal, not a fault
    """A rule of the diagram (`require`) refused the submitted data: shown at `field`, nothing is saved.

    Deliberately not a ValueError: the restricted evaluator turns those into expression errors (a fault of the
    diagram), while this is a verdict on the user's input."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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
            raise ValueError(t("f_timestamp_format", value=repr(value))) from exc
    else:
        raise ValueError(t("f_timestamp_type", value=repr(value)))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _number(value: Any, function: str, parameter: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(t("f_number", function=function, parameter=parameter, value=repr(value)))
    return value


def _choice(value: Any, allowed: frozenset[str], function: str, parameter: str) -> str:
    if value not in allowed:
        raise ValueError(t("f_choice", function=function, parameter=parameter, allowed=", ".join(sorted(allowed)),
                           value=repr(value)))
    return value


def _items(collection: Any, function: str, parameter: str) -> list[Any]:
    """The items of a list, or the values of a dict (a multi-instance output keyed by agency), bounded."""
    if isinstance(collection, dict):
        collection = list(collection.values())
    if not isinstance(collection, list | tuple):
        raise ValueError(t("f_collection", function=function, parameter=parameter, kind=type(collection).__name__))
    if len(collection) > MAX_COLLECTION:
        raise ValueError(t("f_too_many", function=function, parameter=parameter, limit=MAX_COLLECTION))
    return list(collection)


def _unit_code(unit: Any, function: str, parameter: str = "unit") -> str:
    if not isinstance(unit, str) or not _UNIT_CODE.match(unit):
        raise ValueError(t("f_unit_code", function=function, parameter=parameter, value=repr(unit)))
    return unit


def keyed(items: Any) -> dict[str, Any]:
    """A list of codes as a dict keyed by the codes (the input of a multi-instance whose output is keyed too)."""
    return {_unit_code(item, "keyed", "items"): item for item in _items(items, "keyed", "items")}


def any_flagged(collection: Any, flag: Any) -> bool:
    """Whether any item (a dict) of a list or dict of findings has `flag` set to true."""
    if not isinstance(flag, str) or not flag:
        raise ValueError(t("f_flag"))
    return any(isinstance(item, dict) and item.get(flag) is True
               for item in _items(collection, "any_flagged", "collection"))


def agencies_where(collection: Any, field_name: Any, value: Any) -> list[str]:
    """The `agency` of every item (a dict) whose `field_name` equals `value`, in order."""
    return [item["agency"] for item in _items(collection, "agencies_where", "collection")
            if isinstance(item, dict) and item.get(field_name) == value and isinstance(item.get("agency"), str)]


def missing(items: Any, within: Any) -> list[Any]:
    """The items of `items` that are not in `within` (e.g. chosen agencies not invited to the case)."""
    allowed = _items(within, "missing", "within")
    return [item for item in _items(items, "missing", "items") if item not in allowed]


def build_functions(effects: Effects,
                    open_task_ids: Callable[[], Iterable[str]] | None = None) -> dict[str, Callable[..., Any]]:
    """The reviewed functions, bound to one case's effect list and (for `open_tasks`) to its workflow."""

    def hours_after(timestamp: Any, hours: Any) -> str:
        return (parse_timestamp(timestamp) + timedelta(hours=_number(hours, "hours_after", "hours"))).isoformat()

    def now() -> str:
        return clock_now().isoformat()

    def set_status(status: Any) -> None:
        effects.add("set_status", _choice(status, frozenset(CaseStatus), "set_status", "status"))

    def mark_overdue() -> None:
        effects.add("mark_overdue")

    def notify(kind: Any, role: Any, unit: Any = None) -> None:
        """Tell `role` (limited to `unit` when given; an agency coordinator always needs the agency's unit)."""
        if not isinstance(kind, str) or not kind:
            raise ValueError(t("f_notify_kind"))
        role = _choice(role, frozenset(LANE_ROLES), "notify", "role")
        if unit is not None:
            _unit_code(unit, "notify")
        if role == "coordinator" and unit is None:
            raise ValueError(t("f_notify_agency"))
        effects.add("notify", kind, role, unit)

    def notify_each(kind: Any, role: Any, units: Any) -> None:
        """`notify` each unit of a list (e.g. every agency taking part in a joint inspection)."""
        for unit in _items(units, "notify_each", "units"):
            notify(kind, role, unit)

    def invite_agency(unit: Any) -> None:
        """Invite a further agency to the case: its coordinators see the case from now on."""
        effects.add("invite_agency", _unit_code(unit, "invite_agency"))

    def open_tasks() -> list[str]:
        """Element ids of the case's open user tasks (e.g. to remind whoever holds the case now)."""
        return sorted(open_task_ids()) if open_task_ids else []

    def require(condition: Any, field_name: Any, message_code: Any) -> None:
        """Refuse the step (a field-level error on `field_name`, nothing saved) unless `condition` holds."""
        if not isinstance(field_name, str) or not field_name:
            raise ValueError(t("f_require_field"))
        message = RULE_MESSAGES.get(message_code) if isinstance(message_code, str) else None
        if message is None:
            raise ValueError(t("f_require_code", code=repr(message_code), known=", ".join(sorted(RULE_MESSAGES))))
        if not condition:
            raise RuleRefused(field_name, message)

    def reassign_unit(unit: Any) -> None:
        if not isinstance(unit, str) or not unit:
            raise ValueError(t("f_unit_code", function="reassign_unit", parameter="unit", value=repr(unit)))
        effects.add("reassign_unit", unit)

    def publish_result() -> None:
        effects.add("publish_result")

    def close_case(outcome: Any) -> None:
        effects.add("close_case", _choice(outcome, CLOSE_OUTCOMES, "close_case", "outcome"))

    def next_weekly_briefing(after: Any) -> str:
        """Monday 07:00 (Ho Chi Minh City) after `after`: when the weekly report is reviewed."""
        return briefings.next_weekly(parse_timestamp(after)).isoformat()

    def next_quarter_briefing(after: Any) -> str:
        """07:00 on the first working day of the next quarter (Ho Chi Minh City) after `after`."""
        return briefings.next_quarterly(parse_timestamp(after)).isoformat()

    def report_period(schedule: Any, briefing_at: Any) -> str:
        """The week ("2026-W48") or quarter ("2026-Q4") that a briefing at `briefing_at` reviews."""
        return briefings.period_before(_choice(schedule, frozenset(briefings.SCHEDULES), "report_period", "schedule"),
                                       parse_timestamp(briefing_at))

    return {f.__name__: f for f in (hours_after, now, set_status, mark_overdue, notify, notify_each, open_tasks,
                                     require, reassign_unit, publish_result, close_case, invite_agency, keyed,
                                     any_flagged, agencies_where, missing, next_weekly_briefing,
                                     next_quarter_briefing, report_period)}


REVIEWED_FUNCTION_NAMES = frozenset(build_functions(Effects()))
