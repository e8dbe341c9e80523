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

from .clock import now as clock_now
from .models import LANE_ROLES, CaseStatus

CLOSE_OUTCOMES = frozenset({"resolved", "auto_closed", "dispute_upheld", "out_of_scope", "duplicate"})
NOT_ACCEPTED_OUTCOMES = frozenset({"out_of_scope", "duplicate"})
# What `require` may say when a rule of the diagram refuses a form (Vietnamese, then English in parentheses).
RULE_MESSAGES = {
    "ward_committee_for_level_1": "Cấp 1 do UBND phường/xã nơi xảy ra vi phạm xử lý; chọn đơn vị khác thì phải ghi lý "
                                  "do (level 1 goes to the People's Committee of the report's ward; another unit "
                                  "needs a reason)",
    "inspectorate_for_levels_2_3": "Cấp 2 và cấp 3 do Thanh tra Sở xử lý (levels 2 and 3 go to the Department "
                                   "Inspectorate)",
    "agency_for_level_3": "Cấp 3 cần ít nhất một cơ quan phối hợp (level 3 needs at least one agency)",
    "agency_already_invited": "Cơ quan này đã được mời phối hợp (this agency is already invited)",
    "agency_not_invited": "Chỉ chọn cơ quan đã được mời phối hợp vụ việc này (choose only agencies invited to this "
                          "case)",
    "inspection_time_window": "Ngày giờ kiểm tra phải sau ít nhất 24 giờ và trong vòng 60 ngày (the inspection must "
                              "be at least 24 hours ahead and within 60 days)",
}
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


def _items(collection: Any, what: str) -> list[Any]:
    """The items of a list, or the values of a dict (a multi-instance output keyed by agency), bounded."""
    if isinstance(collection, dict):
        collection = list(collection.values())
    if not isinstance(collection, list | tuple):
        raise ValueError(f"{what} must be a list or a dict, not {type(collection).__name__}")
    if len(collection) > MAX_COLLECTION:
        raise ValueError(f"{what} has more than {MAX_COLLECTION} items")
    return list(collection)


def _unit_code(unit: Any) -> str:
    if not isinstance(unit, str) or not _UNIT_CODE.match(unit):
        raise ValueError(f"unit must be a unit code, not {unit!r}")
    return unit


def keyed(items: Any) -> dict[str, Any]:
    """A list of codes as a dict keyed by the codes (the input of a multi-instance whose output is keyed too)."""
    return {_unit_code(item): item for item in _items(items, "keyed: items")}


def any_flagged(collection: Any, flag: Any) -> bool:
    """Whether any item (a dict) of a list or dict of findings has `flag` set to true."""
    if not isinstance(flag, str) or not flag:
        raise ValueError("any_flagged: the flag must be a field name")
    return any(isinstance(item, dict) and item.get(flag) is True for item in _items(collection, "any_flagged"))


def agencies_where(collection: Any, field_name: Any, value: Any) -> list[str]:
    """The `agency` of every item (a dict) whose `field_name` equals `value`, in order."""
    return [item["agency"] for item in _items(collection, "agencies_where")
            if isinstance(item, dict) and item.get(field_name) == value and isinstance(item.get("agency"), str)]


def missing(items: Any, within: Any) -> list[Any]:
    """The items of `items` that are not in `within` (e.g. chosen agencies not invited to the case)."""
    allowed = _items(within, "missing: within")
    return [item for item in _items(items, "missing: items") if item not in allowed]


def build_functions(effects: Effects,
                    open_task_ids: Callable[[], Iterable[str]] | None = None) -> dict[str, Callable[..., Any]]:
    """The reviewed functions, bound to one case's effect list and (for `open_tasks`) to its workflow."""

    def hours_after(timestamp: Any, hours: Any) -> str:
        return (parse_timestamp(timestamp) + timedelta(hours=_number(hours, "hours"))).isoformat()

    def now() -> str:
        return clock_now().isoformat()

    def set_status(status: Any) -> None:
        effects.add("set_status", _choice(status, frozenset(CaseStatus), "status"))

    def mark_overdue() -> None:
        effects.add("mark_overdue")

    def notify(kind: Any, role: Any, unit: Any = None) -> None:
        """Tell `role` (limited to `unit` when given; an agency coordinator always needs the agency's unit)."""
        if not isinstance(kind, str) or not kind:
            raise ValueError("notification kind must be a non-empty string")
        role = _choice(role, frozenset(LANE_ROLES), "role")
        if unit is not None and (not isinstance(unit, str) or not _UNIT_CODE.match(unit)):
            raise ValueError(f"unit must be a unit code, not {unit!r}")
        if role == "coordinator" and unit is None:
            raise ValueError("a notification to an agency coordinator must name the agency (unit)")
        effects.add("notify", kind, role, unit)

    def notify_each(kind: Any, role: Any, units: Any) -> None:
        """`notify` each unit of a list (e.g. every agency taking part in a joint inspection)."""
        for unit in _items(units, "notify_each: units"):
            notify(kind, role, unit)

    def invite_agency(unit: Any) -> None:
        """Invite a further agency to the case: its coordinators see the case from now on."""
        effects.add("invite_agency", _unit_code(unit))

    def open_tasks() -> list[str]:
        """Element ids of the case's open user tasks (e.g. to remind whoever holds the case now)."""
        return sorted(open_task_ids()) if open_task_ids else []

    def require(condition: Any, field_name: Any, message_code: Any) -> None:
        """Refuse the step (a field-level error on `field_name`, nothing saved) unless `condition` holds."""
        if not isinstance(field_name, str) or not field_name:
            raise ValueError("require: the field must be a field name")
        message = RULE_MESSAGES.get(message_code) if isinstance(message_code, str) else None
        if message is None:
            raise ValueError(f"require: unknown message {message_code!r} (known: {', '.join(sorted(RULE_MESSAGES))})")
        if not condition:
            raise RuleRefused(field_name, message)

    def reassign_unit(unit: Any) -> None:
        if not isinstance(unit, str) or not unit:
            raise ValueError("unit must be a unit code")
        effects.add("reassign_unit", unit)

    def publish_result() -> None:
        effects.add("publish_result")

    def close_case(outcome: Any) -> None:
        effects.add("close_case", _choice(outcome, CLOSE_OUTCOMES, "outcome"))

    return {f.__name__: f for f in (hours_after, now, set_status, mark_overdue, notify, notify_each, open_tasks,
                                     require, reassign_unit, publish_result, close_case, invite_agency, keyed,
                                     any_flagged, agencies_where, missing)}


REVIEWED_FUNCTION_NAMES = frozenset(build_functions(Effects()))
