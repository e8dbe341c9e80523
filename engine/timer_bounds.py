"""The values a timer may take, checked before SpiffWorkflow ever sees them (at deploy time for literal
expressions, at run time for every evaluated timer expression).

SpiffWorkflow 3.2.0 loops once per month of a duration, accepts cycles without a repeat count or with a zero
interval, and overflows on far dates; so only these ISO-8601 forms are accepted:
- a duration `PnYnMnWnDTnHnMnS` (whole numbers; seconds may have a fraction), not negative, from
  `MIN_DURATION` (1 minute) to `MAX_DURATION` (1 year, computed on the calendar from now);
- a cycle `Rn/<duration>` or `Rn/<date-time>/<duration>` with a repeat count from 1 to `MAX_CYCLES` (1000) and
  an interval from `MIN_CYCLE_INTERVAL` (5 minutes) to 1 year;
- a date-time `YYYY-MM-DDThh:mm[:ss][±hh:mm|Z]` (a date alone is midnight) within `MAX_DATE_DISTANCE`
  (5 years) of now, before or after.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from .budget import LimitError
from .clock import now
from .messages import t

MIN_DURATION = timedelta(minutes=1)
MAX_DURATION_TEXT = "1 year"
MIN_CYCLE_INTERVAL = timedelta(minutes=5)
MAX_CYCLES = 1000
MAX_DATE_DISTANCE = timedelta(days=5 * 365 + 1)
MAX_TEXT = 100

_DURATION = re.compile(r"P(?:(\d{1,12})Y)?(?:(\d{1,12})M)?(?:(\d{1,12})W)?(?:(\d{1,12})D)?"
                       r"(?:T(?:(\d{1,12})H)?(?:(\d{1,12})M)?(?:(\d{1,12}(?:[.,]\d{1,6})?)S)?)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?")
_CYCLE = re.compile(r"R(\d{0,12})/(.+)")
KINDS = {"timeDuration": "duration", "timeCycle": "cycle", "timeDate": "date"}


class TimerValueError(LimitError):
    """A timer expression's value is not an accepted ISO-8601 duration, cycle or date, or is out of bounds."""


def kind_of(definition: TimerEventDefinition) -> str:
    if isinstance(definition, CycleTimerEventDefinition):
        return "cycle"
    if isinstance(definition, DurationTimerEventDefinition):
        return "duration"
    if isinstance(definition, TimeDateEventDefinition):
        return "date"
    raise TimerValueError(t("tm_unknown_kind", kind=type(definition).__name__))


def check_timer_value(kind: str, value: Any, at: datetime | None = None) -> str:
    """The value if it is an acceptable timer of this kind ("duration", "cycle" or "date"), else
    TimerValueError with a message a process owner can act on."""
    if not isinstance(value, str):
        raise TimerValueError(t("tm_not_text", kind=type(value).__name__))
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise TimerValueError(t("tm_too_long", size=len(text), limit=MAX_TEXT))
    at = at or now()
    if kind == "duration":
        _duration(text, at)
    elif kind == "cycle":
        _cycle(text, at)
    elif kind == "date":
        _date(text, at)
    else:
        raise TimerValueError(t("tm_unknown_kind", kind=kind))
    return text


def _duration(text: str, at: datetime) -> timedelta:
    match = _DURATION.fullmatch(text.upper())
    if not match or not any(match.groups()) or text.upper().endswith("T"):
        raise TimerValueError(t("tm_bad_duration", text=text))
    years, months, weeks, days, hours, minutes = (int(g or 0) for g in match.groups()[:6])
    seconds = float((match.group(7) or "0").replace(",", "."))
    if years * 12 + months > 13 or weeks * 7 + days > 400 or hours > 24 * 400 or minutes > 60 * 24 * 400 \
            or seconds > 3600 * 24 * 400:
        raise TimerValueError(t("tm_longer", text=text))
    end = _add_months(at, years * 12 + months) + timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes,
                                                          seconds=seconds)
    if end > _add_months(at, 12):
        raise TimerValueError(t("tm_longer", text=text))
    if end - at < MIN_DURATION:
        raise TimerValueError(t("tm_shorter", text=text))
    return end - at


def _add_months(start: datetime, months: int) -> datetime:
    year, month = divmod(start.month - 1 + months, 12)
    target_year, target_month = start.year + year, month + 1
    for day in (start.day, 30, 29, 28):  # the same day of the month, or the month's last day
        try:
            return start.replace(year=target_year, month=target_month, day=day)
        except ValueError:
            continue
    raise TimerValueError("date out of range")


def _cycle(text: str, at: datetime) -> None:
    match = _CYCLE.fullmatch(text.upper())
    if not match:
        raise TimerValueError(t("tm_bad_cycle", text=text))
    if not match.group(1):
        raise TimerValueError(t("tm_endless", text=text, limit=MAX_CYCLES))
    count = int(match.group(1))
    if not 1 <= count <= MAX_CYCLES:
        raise TimerValueError(t("tm_repeats", text=text, count=count, limit=MAX_CYCLES))
    parts = match.group(2).split("/")
    if len(parts) == 2:
        start = _date(parts[0], at)
        interval = _duration(parts[1], start)
    elif len(parts) == 1:
        interval = _duration(parts[0], at)
    else:
        raise TimerValueError(t("tm_bad_cycle_parts", text=text))
    if interval < MIN_CYCLE_INTERVAL:
        raise TimerValueError(t("tm_too_often", text=text))


def _date(text: str, at: datetime) -> datetime:
    if not _DATE.fullmatch(text.upper()):
        raise TimerValueError(t("tm_bad_date_example", text=text))
    try:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:  # SpiffWorkflow reads it in the server's zone; within the bounds either way
            value = value.replace(tzinfo=UTC)
        distance = abs(value - at)
    except (ValueError, OverflowError):
        raise TimerValueError(t("tm_bad_date", text=text)) from None
    if distance > MAX_DATE_DISTANCE:
        raise TimerValueError(t("tm_far", text=text))
    return value
