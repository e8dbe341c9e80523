"""The leadership's briefings as a BPMN process: a review task in leadership's inbox at Monday 07:00 and on the
first working day of each quarter (Ho Chi Minh City time), fired by the timer worker under the injected clock."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine import briefings, budget, scheduled, timers, versions
from engine.actors import Actor
from engine.budget import LimitError
from engine.db import transaction
from engine.errors import Conflict, PermissionDenied, ValidationError
from engine.expressions import evaluate
from engine.functions import Effects, build_functions
from engine.models import Case, ProcessVersion
from engine.models_reporting import RunStatus, ScheduledRun
from engine.validation import validate_bundle

LEADER = Actor("leader", frozenset({"leadership"}))
INTAKE = Actor("intake", frozenset({"intake"}))
MONDAY_0700_HCM = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday 30 Nov 2026, 07:00 in Ho Chi Minh City


@pytest.fixture
def installed(factory, clock):
    with transaction(factory) as session:
        result = scheduled.install(session, actor="tests")
    return result


def _runs(factory) -> list[ScheduledRun]:
    with transaction(factory) as session:
        return list(session.scalars(select(ScheduledRun).order_by(ScheduledRun.briefing_at, ScheduledRun.id)))


def _reviews(factory, actor=LEADER) -> list[ScheduledRun]:
    with transaction(factory) as session:
        return scheduled.open_reviews(session, actor)


def test_the_briefing_calendar_follows_ho_chi_minh_city_time_and_working_days():
    # Sunday 29 Nov 2026, 23:59 in Ho Chi Minh City is still before the briefing; Monday 07:00 itself is not after it
    assert briefings.next_weekly(datetime(2026, 11, 29, 16, 59, tzinfo=UTC)) == MONDAY_0700_HCM
    assert briefings.next_weekly(MONDAY_0700_HCM) == MONDAY_0700_HCM + timedelta(days=7)
    assert briefings.period_before("weekly", MONDAY_0700_HCM) == "2026-W48"
    # 1 Jan 2027 is a holiday (Friday), then a weekend: the quarterly briefing is Monday 4 Jan 2027 at 07:00
    assert briefings.first_working_day(2027, 1) == date(2027, 1, 4)
    assert briefings.next_quarterly(datetime(2026, 11, 23, tzinfo=UTC)) == datetime(2027, 1, 4, 0, 0, tzinfo=UTC)
    assert briefings.period_before("quarterly", datetime(2027, 1, 4, 0, 0, tzinfo=UTC)) == "2026-Q4"
    # 1 May 2027 is a Saturday, 30 April a holiday: Q2 2027 starts on Thursday 1 April (a working day)
    assert briefings.first_working_day(2027, 2) == date(2027, 4, 1)


def test_holidays_of_the_lunar_calendar_and_days_off_in_lieu_are_not_working_days():
    # 1 January 2028 is a Saturday: Monday 3 January is the day off in lieu, so Q1 2028's briefing is on Tuesday 4
    assert not briefings.is_working_day(date(2028, 1, 3))
    assert briefings.first_working_day(2028, 1) == date(2028, 1, 4)
    assert briefings.next_quarterly(datetime(2027, 12, 1, tzinfo=UTC)) == datetime(2028, 1, 4, 0, 0, tzinfo=UTC)
    # the Hùng Kings' day (10th day of the 3rd lunar month) is Tuesday 1 April 2031: Q2 2031 starts on Wednesday 2
    assert briefings.first_working_day(2031, 2) == date(2031, 4, 2)
    # Tết 2027: the lunar new year is Saturday 6 February, its third day Monday 8 February is a day off
    assert not briefings.is_working_day(date(2027, 2, 8))
    assert briefings.is_working_day(date(2027, 2, 1))


def test_the_first_briefing_of_a_process_is_scheduled_however_long_the_holiday_table_takes(factory, clock,
                                                                                          monkeypatch):
    """Computing a year's holidays (the library's import, the lunar calendar) takes 0.1–0.2 s the first time in a
    process, several times that on a busy machine: for the years around now it does not count against the
    reporting diagram's one second. A far year a diagram asks for does."""
    import holidays

    elapsed, computed = [0.0], []
    real = holidays.country_holidays

    def slow_table(country, years):  # as if the machine were so busy that a year took 5 s
        elapsed[0] += 5.0
        computed.append(years)
        return real(country, years=years)

    monkeypatch.setattr(budget.time, "monotonic", lambda: elapsed[0])
    monkeypatch.setattr(holidays, "country_holidays", slow_table)
    briefings.public_holidays.cache_clear()
    try:
        with transaction(factory) as session:
            scheduled.install(session, actor="tests")
        assert {r.schedule for r in _runs(factory) if r.status == RunStatus.WAITING} == {"weekly", "quarterly"}
        assert computed  # the table was made during the start of the quarterly instance
        functions = build_functions(Effects())
        with pytest.raises(LimitError, match="took too long"):
            evaluate('next_quarter_briefing("2060-11-01T00:00:00+07:00")', {}, functions)
    finally:
        briefings.public_holidays.cache_clear()  # no slow table left for other tests


def test_the_reporting_diagram_passes_the_deploy_checks_and_is_versioned_apart_from_the_procedure(installed, factory):
    assert validate_bundle(versions.read_bundle(scheduled.PROCESS_ID)) == []
    assert list(versions.read_bundle()["bpmn"]) == ["rapid_response.bpmn"]  # the procedure does not carry it
    with transaction(factory) as session:
        active = versions.active_version(session, scheduled.PROCESS_ID)
        assert active.number == 1
        again = scheduled.install(session, actor="tests")  # init-db twice: nothing new
        assert again.deployed is None and again.started == []
        assert session.scalar(select(func.count()).select_from(ProcessVersion)
                              .where(ProcessVersion.process_id == scheduled.PROCESS_ID)) == 1


def test_one_instance_waits_per_schedule_for_the_next_briefing(installed, factory):
    runs = _runs(factory)
    assert [(r.schedule, r.period, r.status) for r in runs] == [("weekly", "2026-W48", "waiting"),
                                                                ("quarterly", "2026-Q4", "waiting")]
    assert runs[0].next_timer_at == MONDAY_0700_HCM
    assert runs[1].next_timer_at == datetime(2027, 1, 4, 0, 0, tzinfo=UTC)
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0  # no case was made for them
    assert _reviews(factory) == []


def test_the_weekly_review_appears_in_leaderships_inbox_once_when_the_clock_passes_monday_0700(installed, factory,
                                                                                                 clock):
    clock.set(MONDAY_0700_HCM - timedelta(minutes=1))
    timers.run_once(factory)
    assert _reviews(factory) == []

    clock.set(MONDAY_0700_HCM + timedelta(seconds=30))
    timers.run_once(factory)
    timers.run_once(factory)  # the worker runs again (or a second worker): still one task
    reviews = _reviews(factory)
    assert [(r.task_title, r.period) for r in reviews] == [("Xem xét báo cáo tuần / Review the weekly report",
                                                            "2026-W48")]
    assert _reviews(factory, INTAKE) == []
    waiting = [(r.schedule, r.period) for r in _runs(factory) if r.status == RunStatus.WAITING]
    assert waiting == [("weekly", "2026-W49"), ("quarterly", "2026-Q4")]  # the next week's instance waits


def test_acknowledging_the_review_ends_that_instance(installed, factory, clock):
    clock.set(MONDAY_0700_HCM + timedelta(minutes=5))
    timers.run_once(factory)
    run_id = _reviews(factory)[0].id
    with transaction(factory) as session, pytest.raises(ValidationError):
        scheduled.complete_review(session, LEADER, run_id, {"acknowledged": False})
    with transaction(factory) as session, pytest.raises(PermissionDenied):
        scheduled.complete_review(session, INTAKE, run_id, {"acknowledged": True})
    with transaction(factory) as session:
        scheduled.complete_review(session, LEADER, run_id, {"acknowledged": True, "review_comment": " Tốt "})
    assert _reviews(factory) == []
    with transaction(factory) as session:
        done = session.get(ScheduledRun, run_id)
        assert (done.status, done.completed_by, done.comment, done.task_id) == ("done", "leader", "Tốt", None)
        assert done.next_timer_at is None
    with transaction(factory) as session, pytest.raises(Conflict):
        scheduled.complete_review(session, LEADER, run_id, {"acknowledged": True})


def test_the_quarterly_review_waits_for_the_first_working_day_of_the_quarter(installed, factory, clock):
    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=UTC))  # 1 Jan 2027, 07:30: a holiday
    timers.run_once(factory)
    # only the weekly review of the first Monday the worker saw; the quarterly one waits
    assert [r.period for r in _reviews(factory)] == ["2026-W48"]
    clock.set(datetime(2027, 1, 4, 0, 1, tzinfo=UTC))  # Monday 4 Jan 2027, 07:01
    timers.run_once(factory)
    titles = {(r.task_title, r.period) for r in _reviews(factory)}
    assert ("Xem xét báo cáo quý / Review the quarterly report", "2026-Q4") in titles
    assert ("Xem xét báo cáo tuần / Review the weekly report", "2026-W53") in titles
    waiting = {r.schedule: r.period for r in _runs(factory) if r.status == RunStatus.WAITING}
    assert waiting == {"weekly": "2027-W01", "quarterly": "2027-Q1"}


def test_nothing_is_scheduled_before_the_reporting_process_is_deployed(factory, clock):
    clock.set(MONDAY_0700_HCM + timedelta(days=1))
    timers.run_once(factory)
    assert _runs(factory) == []


def test_a_broken_reporting_version_never_stops_the_case_timers(factory, clock, drive):
    bundle = versions.read_bundle(scheduled.PROCESS_ID)
    bundle["bpmn"]["reporting.bpmn"] = bundle["bpmn"]["reporting.bpmn"].replace(
        "next_weekly_briefing(started_at)", "next_weekly_briefing(no_such_time)")
    with transaction(factory) as session:
        versions.deploy(session, bundle, actor="tests")
    case_id = drive.report()
    result = drive.advance(hours=2, minutes=1)  # the case's screening reminder is due
    assert result.fired == 1 and result.failed == []
    assert "timer_fired" in drive.events(case_id)
    assert [r.schedule for r in _runs(factory)] == ["quarterly"]  # the weekly one could not start
