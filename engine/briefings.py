"""When the leadership briefings fall, and which reporting period each one reviews (Asia/Ho_Chi_Minh).

The weekly briefing is every Monday at 07:00 and reviews the ISO week just ended ("2026-W48"); the quarterly
briefing is at 07:00 on the first working day of each quarter and reviews the quarter just ended ("2026-Q4").
A working day is Monday to Friday and not a public holiday of Vietnam as the `holidays` library computes them:
the fixed ones (1 January, 30 April, 1 May, 2 September and the day beside it), those of the lunar calendar (Tết,
the Hùng Kings' day) and the day off in lieu when one falls on a weekend (1 January 2028, a Saturday, makes Monday
3 January a holiday). Extra days off the government announces year by year are not known in advance. The
reporting diagram calls these through the restricted evaluator (`engine/functions.py`); every answer lies within
3 months of its input, so a timer built on one stays inside the bounds of `engine/timer_bounds.py`.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from .budget import unbilled
from .clock import now
from .settings import LOCAL_TZ

BRIEFING_TIME = time(7, 0)
SCHEDULES = ("weekly", "quarterly")


def _local(at: datetime) -> datetime:
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(LOCAL_TZ)


def _at_briefing_time(day: date) -> datetime:
    return datetime.combine(day, BRIEFING_TIME, tzinfo=LOCAL_TZ)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """Vietnam's public holidays of `year`, days off in lieu included (computed once per year and process; the
    library is imported only here, when a briefing date is first needed: it takes 0.1–0.2 s to import)."""
    import holidays
    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def _holidays_of(year: int) -> frozenset[date]:
    """The holidays of the years briefings fall in (the engine clock's year and those beside it) are computed
    `unbilled`: the first diagram of a process that schedules a briefing does not pay the library's import and
    a year's lunar calendar from its one second. Any other year a diagram asks for is paid from its own budget, so a
    diagram cannot make the engine compute year after year for free."""
    if abs(year - now().year) <= 1:
        with unbilled():
            return public_holidays(year)
    return public_holidays(year)


def next_weekly(after: datetime) -> datetime:
    """The first Monday 07:00 (local) strictly after `after`."""
    local = _local(after)
    monday = local.date() - timedelta(days=local.weekday())
    candidate = _at_briefing_time(monday)
    while candidate <= local:
        candidate += timedelta(days=7)
    return candidate


def first_working_day(year: int, quarter: int) -> date:
    day = date(year, 3 * (quarter - 1) + 1, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def next_quarterly(after: datetime) -> datetime:
    """07:00 (local) on the first working day of a quarter, the first such moment strictly after `after`."""
    local = _local(after)
    year, quarter = local.year, (local.month - 1) // 3 + 1
    for _ in range(3):
        candidate = _at_briefing_time(first_working_day(year, quarter))
        if candidate > local:
            return candidate
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    raise AssertionError("unreachable: a quarter always starts within three quarters")


def period_before(schedule: str, briefing_at: datetime) -> str:
    """The period a briefing reviews: the ISO week (weekly) or quarter (quarterly) that ended before it."""
    local = _local(briefing_at)
    if schedule == "weekly":
        year, week, _ = (local.date() - timedelta(days=7)).isocalendar()
        return f"{year}-W{week:02d}"
    if schedule == "quarterly":
        quarter = (local.month - 1) // 3 + 1
        return f"{local.year - 1}-Q4" if quarter == 1 else f"{local.year}-Q{quarter - 1}"
    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; got {schedule!r}")
