"""The clock runs from receipt: screening and classification have their own deadline in the diagram (a reminder
to intake, then an escalation to leadership), shown wherever deadlines are shown; level deadlines still count
from receipt. Driven through the engine and the timer sweep with a frozen clock, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from engine import studio, versions
from engine.db import transaction

SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}


def test_a_new_report_is_due_for_screening_four_hours_after_receipt_in_intakes_inbox(drive):
    received = drive.clock.now()
    case_id = drive.report()
    (row,) = drive.inbox_of("intake")
    assert (row.task_name, row.due_at) == ("screen", received + timedelta(hours=4))
    assert drive.case(case_id).next_timer_at == received + timedelta(hours=2)  # the reminder comes first
    drive.clock.advance(hours=1)
    drive.do("intake", case_id, "screen", SCREEN_IN)
    assert drive.task(case_id, "classify").due_at == received + timedelta(hours=4)  # the same deadline runs on


def test_an_unscreened_report_reminds_intake_then_escalates_to_leadership_and_the_work_goes_on(drive):
    case_id = drive.report()
    drive.advance(hours=1, minutes=59)
    assert drive.recipients(case_id) == []
    drive.advance(minutes=2)  # 2 h after receipt
    assert drive.recipients(case_id) == [("reminder", "intake", None)]
    assert not drive.case(case_id).overdue
    drive.advance(hours=2)  # 4 h after receipt: escalated
    case = drive.case(case_id)
    assert case.overdue and case.status == "received"
    assert drive.recipients(case_id) == [("reminder", "intake", None), ("escalation", "leadership", None)]
    assert drive.events(case_id).count("escalated") == 1
    assert drive.task_names(case_id) == ["screen"]
    assert drive.case(case_id).next_timer_at is None  # nothing more to fire before classification
    drive.advance(hours=70)  # still unscreened three days later: the escalation is not repeated
    assert drive.events(case_id).count("escalated") == 1
    assert drive.task(case_id, "screen").due_at < drive.clock.now()  # shown as overdue in the inbox


def test_a_late_classification_keeps_the_level_deadline_counted_from_receipt(drive):
    received = drive.clock.now()
    case_id = drive.report()
    drive.advance(hours=5)
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    case = drive.case(case_id)
    assert case.deadline_at == received + timedelta(hours=24)
    assert drive.task(case_id, "start_handling").due_at == received + timedelta(hours=24)
    assert case.next_timer_at == received + timedelta(hours=20)  # the screening timers stopped with classification


def test_a_report_classified_in_time_fires_no_screening_timer(drive):
    case_id = drive.report()
    drive.advance(hours=1)
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    drive.advance(hours=5)
    assert drive.recipients(case_id) == []
    assert not drive.case(case_id).overdue


def test_the_live_view_counts_unscreened_reports_near_and_past_their_deadline(drive, factory):
    drive.report()
    drive.clock.advance(hours=1)
    with transaction(factory) as session:
        counts = studio.live_counts(session, versions.active_version(session))
    assert counts["screen"] == {"waiting": 1, "near": 1, "overdue": 0}
    drive.clock.advance(hours=3, minutes=1)
    with transaction(factory) as session:
        counts = studio.live_counts(session, versions.active_version(session))
    assert counts["screen"] == {"waiting": 1, "near": 0, "overdue": 1}
