"""The timer sweep wakes only due cases, under a lease, and one failing case never stops it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from engine import timers
from engine.db import transaction
from engine.models import Case


def test_nothing_due_wakes_nothing(drive, create_case):
    create_case(1)
    assert timers.run_once(drive.factory).woken == 0
    assert drive.advance(hours=1).woken == 0


def test_a_timer_is_fired_once_even_if_the_sweep_runs_again(drive, create_case):
    case_id = create_case(1)
    result = drive.advance(hours=21)
    assert (result.woken, result.fired) == (1, 1)
    again = timers.run_once(drive.factory)
    assert again.woken == 0
    assert drive.notifications(case_id) == [("reminder", "handling_unit")]


def test_a_case_leased_by_a_live_worker_is_left_alone_until_the_lease_expires(drive, create_case):
    case_id = create_case(1)
    drive.clock.advance(hours=21)
    with transaction(drive.factory) as session:
        assert timers.lease(session, [case_id], "other-worker", drive.clock.now()) == [case_id]
    assert timers.run_once(drive.factory).woken == 0  # the other worker holds it (it may have died)
    drive.clock.advance(minutes=6)  # the lease (5 min) has expired: picked up again
    assert timers.run_once(drive.factory).fired == 1
    assert drive.notifications(case_id) == [("reminder", "handling_unit")]


def test_a_failing_case_is_recorded_retried_with_backoff_and_becomes_an_incident(drive, create_case):
    broken, healthy = create_case(1), create_case(1)
    with transaction(drive.factory) as session:
        session.execute(update(Case).where(Case.id == broken).values(workflow_json='{"not": "a workflow"}'))
    result = drive.advance(hours=21)
    assert result.failed == [broken] and result.fired == 1
    assert drive.notifications(healthy) == [("reminder", "handling_unit")]
    case = drive.case(broken)
    assert case.timer_failures == 1 and case.last_error and not case.incident
    assert timers.run_once(drive.factory).woken == 0  # backing off
    for _ in range(timers.INCIDENT_AFTER_FAILURES - 1):
        drive.advance(hours=2)
    case = drive.case(broken)
    assert case.incident and case.timer_failures == timers.INCIDENT_AFTER_FAILURES
    assert "incident" in drive.events(broken)


def test_the_sweep_uses_the_next_timer_column_only(drive, create_case):
    case_id = create_case(1)
    with transaction(drive.factory) as session:
        due = session.scalar(select(Case.next_timer_at).where(Case.id == case_id))
    assert due == drive.clock.now() + timedelta(hours=20)
    with transaction(drive.factory) as session:
        assert timers.due_case_ids(session, due, 10) == []  # due means strictly before now
        assert timers.due_case_ids(session, due + timedelta(seconds=1), 10) == [case_id]
