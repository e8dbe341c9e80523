"""Report periods: an ISO week (`2026-W48`), a quarter (`2026-Q4`) or a free range of days
(`2026-11-01..2026-11-30`, both days included), always in Ho Chi Minh City local time.

A period is half-open, [start, end), stored as UTC instants: a case received at 23:59 local time on Sunday
belongs to that week, one received at 00:00 on Monday to the next.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .clock import now
from .errors import ValidationError
from .settings import LOCAL_TZ

KINDS = ("week", "quarter", "range")
MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_RANGE_DAYS = 731  # two years: longer ranges are not a briefing
# ASCII digits only, as everywhere else in the system (\d would take "٢٠٢٦" and "２０２６" too)
_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
_QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")
_RANGE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})$")
FORMAT_HELP = "2026-W48 (ISO week), 2026-Q4 (quarter) or 2026-11-01..2026-11-30 (days, both included)"


@dataclass(frozen=True)
class Period:
    kind: str  # "week" | "quarter" | "range"
    label: str  # as written: "2026-W48", "2026-Q4", "2026-11-01..2026-11-30"
    first_day: date  # local
    last_day: date  # local, included

    @property
    def start(self) -> datetime:
        """The first instant of the period (UTC)."""
        return _local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """The first instant after the period (UTC)."""
        return _local_midnight(self.last_day + timedelta(days=1))

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def previous(self) -> Period:
        if self.kind == "week":
            return week_of(self.first_day - timedelta(days=7))
        if self.kind == "quarter":
            return quarter_of(self.first_day - timedelta(days=1))
        length = self.last_day - self.first_day
        last = self.first_day - timedelta(days=1)
        return range_of(last - length, last)

    def next(self) -> Period:
        if self.kind == "week":
            return week_of(self.first_day + timedelta(days=7))
        if self.kind == "quarter":
            return quarter_of(self.last_day + timedelta(days=1))
        length = self.last_day - self.first_day
        first = self.last_day + timedelta(days=1)
        return range_of(first, first + length)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


def week_of(day: date) -> Period:
    year, week, _ = day.isocalendar()
    monday = date.fromisocalendar(year, week, 1)
    return Period("week", f"{year}-W{week:02d}", monday, monday + timedelta(days=6))


def quarter_of(day: date) -> Period:
    quarter = (day.month - 1) // 3 + 1
    first = date(day.year, 3 * quarter - 2, 1)
    after = date(day.year + 1, 1, 1) if quarter == 4 else date(day.year, 3 * quarter + 1, 1)
    return Period("quarter", f"{day.year}-Q{quarter}", first, after - timedelta(days=1))


def range_of(first: date, last: date) -> Period:
    return Period("range", f"{first.isoformat()}..{last.isoformat()}", first, last)


def local_today(at: datetime | None = None) -> date:
    return (at or now()).astimezone(LOCAL_TZ).date()


def current(kind: str = "week", at: datetime | None = None) -> Period:
    """The week (or quarter) that contains `at` (default: the engine clock), in local time."""
    today = local_today(at)
    return quarter_of(today) if kind == "quarter" else week_of(today)


def _refuse(text: str, why: str) -> ValidationError:
    return ValidationError(f"not a report period: {text!r} ({why})", {"period": f"{why}; write {FORMAT_HELP}"})


def _year(text: str, year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _refuse(text, f"the year must be from {MIN_YEAR} to {MAX_YEAR}")


def parse_period(text: str | None, kind: str | None = None) -> Period:
    """A period from its written form; `kind` ("week"/"quarter") refuses the other forms. Raises
    ValidationError (field `period`) for anything else."""
    text = (text or "").strip().upper()
    if len(text) > 30:
        raise _refuse(text[:30], "too long")
    if match := _WEEK.match(text):
        year, week = int(match[1]), int(match[2])
        _year(text, year)
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            raise _refuse(text, f"{year} has no week {week}") from None
        found = week_of(monday)
    elif match := _QUARTER.match(text):
        year = int(match[1])
        _year(text, year)
        found = quarter_of(date(year, 3 * int(match[2]) - 2, 1))
    elif match := _RANGE.match(text):
        try:
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError:
            raise _refuse(text, "no such day") from None
        _year(text, first.year)
        _year(text, last.year)
        if last < first:
            raise _refuse(text, "the last day is before the first")
        if (last - first).days >= MAX_RANGE_DAYS:
            raise _refuse(text, f"at most {MAX_RANGE_DAYS} days")
        found = range_of(first, last)
    else:
        raise _refuse(text, "unknown form")
    if kind is not None and found.kind != kind:
        raise _refuse(text, f"a {kind} is needed here")
    return found
