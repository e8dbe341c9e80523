"""Report periods in Ho Chi Minh City time: ISO weeks, quarters and day ranges; malformed ones refused."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine.errors import ValidationError
from engine.report_periods import current, parse_period


def test_an_iso_week_runs_from_monday_midnight_local_time():
    week = parse_period("2026-W48")
    assert (week.first_day, week.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
    assert week.start == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # 00:00 in Ho Chi Minh City
    assert week.end == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    assert week.contains(datetime(2026, 11, 29, 16, 59, tzinfo=UTC))  # Sunday 23:59 local
    assert not week.contains(datetime(2026, 11, 29, 17, 0, tzinfo=UTC))
    assert (week.previous().label, week.next().label) == ("2026-W47", "2026-W49")
    assert parse_period("2026-W53").label == "2026-W53"  # 2026 has 53 ISO weeks


def test_quarters_and_day_ranges():
    q4 = parse_period("2026-q4")
    assert (q4.first_day, q4.last_day, q4.next().label) == (date(2026, 10, 1), date(2026, 12, 31), "2027-Q1")
    days = parse_period("2026-11-01..2026-11-30")
    assert (days.kind, days.first_day, days.last_day) == ("range", date(2026, 11, 1), date(2026, 11, 30))
    assert days.previous().label == "2026-10-02..2026-10-31"


def test_the_current_week_and_quarter_follow_local_time():
    sunday_evening_utc = datetime(2026, 11, 29, 17, 30, tzinfo=UTC)  # already Monday 00:30 in Ho Chi Minh City
    assert current("week", sunday_evening_utc).label == "2026-W49"
    assert current("quarter", datetime(2026, 12, 31, 18, 0, tzinfo=UTC)).label == "2027-Q1"


@pytest.mark.parametrize("text", ["", "2026-W54", "2025-W53", "2026-W00", "2026-Q5", "1999-Q1", "2026-11",
                                  "2026-11-30..2026-11-01", "2026-02-30..2026-03-01", "2020-01-01..2026-01-01",
                                  "W48", "2026-W48; DROP TABLE cases", "٢٠٢٦-W48", "２０２６-Q4",
                                  "2026-11-01..２０２６-11-02"])
def test_a_malformed_period_is_refused_naming_the_field(text):
    with pytest.raises(ValidationError) as refused:
        parse_period(text)
    assert "period" in refused.value.errors


def test_a_quarter_is_refused_where_a_week_is_needed():
    with pytest.raises(ValidationError):
        parse_period("2026-Q4", kind="week")
