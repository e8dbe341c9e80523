"""Who hears when each timer of the procedure fires: the diagram decides, the engine delivers to exactly that role
and unit. Every timer of the deployed diagram is covered (a new timer fails the coverage test until its
recipients are asserted here). Frozen clock, timer sweep, SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine import cases, versions
from engine.actors import Actor
from engine.db import transaction
from engine.functions import Effects, build_functions
from tests.casedriver import CaseDriver

SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}
RESULT = {"findings": "Tiêm filler không phép", "measures": ["fine"], "fine_amount": 20000000,
          "citizen_summary": "Đã xử phạt."}
LEVEL_3 = {"level": 3, "handling_unit": "inspectorate", "agencies": ["police", "market-mgmt"]}

# timer → the test below that fires it and asserts its recipients
COVERED = {
    "screening_reminder_timer": "test_screening_reminder_goes_to_intake",
    "screening_escalation_timer": "test_screening_escalation_goes_to_leadership",
    "reminder_timer": "test_handling_reminder_goes_to_whoever_holds_the_case",
    "escalation_timer": "test_handling_escalation_goes_to_leadership",
    "ack_timer": "test_a_late_acknowledgement_is_told_to_the_agency_the_inspectorate_and_intake",
    "contribution_timer": "test_late_findings_are_told_to_the_agency_the_inspectorate_and_intake",
    "auto_close_timer": "test_the_automatic_close_notifies_no_staff",
    "dispute_timer": "test_a_late_dispute_review_goes_to_leadership",
    "confirm_in_writing_timer": "test_a_late_written_confirmation_goes_to_the_agency_the_inspectorate_and_leadership",
    "question_timer": "test_an_agencys_question_not_answered_in_time_goes_to_the_inspectorate_and_the_agency",
    "request_reminder_timer": "test_an_information_request_reminds_the_agency_and_escalates_to_both_sides",
    "request_timer": "test_an_information_request_reminds_the_agency_and_escalates_to_both_sides",
    "inspection_reply_timer": "test_a_joint_inspection_reply_not_given_by_the_day_before_goes_to_both_sides",
    "inspection_day_before": "test_a_joint_inspection_reply_not_given_by_the_day_before_goes_to_both_sides",
    "inspection_held": "test_late_minutes_and_late_confirmations_of_the_minutes_go_to_whoever_is_late",
    "minutes_timer": "test_late_minutes_and_late_confirmations_of_the_minutes_go_to_whoever_is_late",
    "minutes_confirm_timer": "test_late_minutes_and_late_confirmations_of_the_minutes_go_to_whoever_is_late",
    "agreement_timer": "test_an_unconfirmed_urgent_agreement_goes_to_the_inspectorate_the_agency_and_leadership",
}


def classified(drive: CaseDriver, classification: dict) -> int:
    case_id = drive.report()
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", classification)
    return case_id


def test_every_timer_of_the_diagram_has_its_recipients_asserted(factory):
    with transaction(factory) as session:
        parsed = versions.parsed(versions.active_version(session))
    specs = [parsed.spec, *parsed.subprocess_specs.values()]
    timers = {t.bpmn_id for spec in specs for t in spec.task_specs.values()
              if isinstance(getattr(t, "event_definition", None), TimerEventDefinition)}
    assert timers == set(COVERED)
    assert all(name in globals() for name in COVERED.values())


def test_screening_reminder_goes_to_intake(drive):
    case_id = drive.report()
    drive.advance(hours=2, minutes=1)
    assert drive.recipients(case_id) == [("reminder", "intake", None)]


def test_screening_escalation_goes_to_leadership(drive):
    case_id = drive.report()
    drive.advance(hours=4, minutes=1)
    assert drive.recipients(case_id)[1:] == [("escalation", "leadership", None)]


def test_handling_reminder_goes_to_whoever_holds_the_case(drive):
    at_ward = classified(drive, {"level": 1, "handling_unit": "ward-ben-thanh"})
    at_inspector = classified(drive, {"level": 2, "handling_unit": "inspectorate"})
    drive.do("inspectorate", at_inspector, "start_handling", {"handling_plan": "Kiểm tra"})
    drive.do("inspectorate", at_inspector, "enter_result", RESULT)
    assert drive.task_names(at_inspector) == ["verify_result"]
    drive.advance(hours=20, minutes=1)  # level 1: 24 h − 4 h
    assert drive.recipients(at_ward) == [("reminder", "handling_unit", "ward-ben-thanh")]
    drive.advance(hours=20)  # level 2: 48 h − 8 h, the case waits on the inspector's verification
    assert drive.recipients(at_inspector) == [("reminder", "inspector", None)]


def test_handling_escalation_goes_to_leadership(drive):
    case_id = classified(drive, {"level": 1, "handling_unit": "ward-ben-thanh"})
    drive.advance(hours=24, minutes=1)
    assert drive.recipients(case_id) == [("reminder", "handling_unit", "ward-ben-thanh"),
                                         ("escalation", "leadership", None)]
    assert "review_overdue" in drive.task_names(case_id)


def test_a_late_acknowledgement_is_told_to_the_agency_the_inspectorate_and_intake(drive):
    case_id = classified(drive, LEVEL_3)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    drive.do("police", case_id, "acknowledge_request", {"acknowledged_by": "Đại úy A"}, unit="police")
    drive.advance(hours=4, minutes=1)
    assert drive.recipients(case_id) == [("ack_overdue", "coordinator", "market-mgmt"),
                                         ("ack_overdue", "handling_unit", "inspectorate"),
                                         ("ack_overdue", "intake", None)]
    assert [t.task_name for t in drive.inbox_of("market")] == ["acknowledge_request"]


def test_late_findings_are_told_to_the_agency_the_inspectorate_and_intake(drive):
    case_id = classified(drive, LEVEL_3)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    drive.do("police", case_id, "acknowledge_request", {"acknowledged_by": "Đại úy A"}, unit="police")
    drive.do("market", case_id, "acknowledge_request", {"acknowledged_by": "Ông B"}, unit="market-mgmt")
    drive.do("market", case_id, "contribute_findings", {"agency_findings": "Không có", "urgent_phone_contact": False},
             unit="market-mgmt")
    drive.advance(hours=24, minutes=1)
    assert drive.recipients(case_id) == [("contribution_overdue", "coordinator", "police"),
                                         ("contribution_overdue", "handling_unit", "inspectorate"),
                                         ("contribution_overdue", "intake", None)]


def started_level_3(drive: CaseDriver) -> int:
    case_id = classified(drive, LEVEL_3)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    for user, agency in (("police", "police"), ("market", "market-mgmt")):
        drive.do(user, case_id, "acknowledge_request", {"acknowledged_by": "Cán bộ"}, unit=agency)
    return case_id


def told(drive: CaseDriver, case_id: int, kind: str) -> list[tuple[str, str, str | None]]:
    return [r for r in drive.recipients(case_id) if r[0] == kind]


def test_a_late_written_confirmation_goes_to_the_agency_the_inspectorate_and_leadership(drive):
    case_id = started_level_3(drive)
    drive.do("market", case_id, "contribute_findings",
             {"agency_findings": "Có", "urgent_phone_contact": True, "phone_contact_summary": "Gọi khẩn"},
             unit="market-mgmt")
    drive.advance(hours=24, minutes=1)
    assert told(drive, case_id, "confirmation_overdue") == [("confirmation_overdue", "coordinator", "market-mgmt"),
                                                            ("confirmation_overdue", "handling_unit", "inspectorate"),
                                                            ("confirmation_overdue", "leadership", None)]


def test_an_agencys_question_not_answered_in_time_goes_to_the_inspectorate_and_the_agency(drive):
    case_id = classified(drive, LEVEL_3)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    drive.do("police", case_id, "acknowledge_request", {"acknowledged_by": "Đại úy A", "agency_question": "Địa chỉ?",
                                                         "question_hours": 6}, unit="police")
    drive.advance(hours=6, minutes=1)
    assert told(drive, case_id, "question_overdue") == [("question_overdue", "handling_unit", "inspectorate"),
                                                        ("question_overdue", "coordinator", "police")]


def test_an_information_request_reminds_the_agency_and_escalates_to_both_sides(drive):
    case_id = started_level_3(drive)
    drive.do("inspectorate", case_id, "coordinate", {"action": "information_request", "request_agency": "police",
                                                      "request_question": "Hồ sơ?", "answer_hours": 4})
    drive.advance(hours=3, minutes=1)
    assert told(drive, case_id, "request_reminder") == [("request_reminder", "coordinator", "police")]
    drive.advance(hours=1)
    assert told(drive, case_id, "request_overdue") == [("request_overdue", "coordinator", "police"),
                                                       ("request_overdue", "handling_unit", "inspectorate")]


def propose_inspection(drive: CaseDriver, case_id: int, hours_ahead: int = 30) -> None:
    drive.do("inspectorate", case_id, "coordinate",
             {"action": "joint_inspection", "inspection_place": "12 Lê Lợi", "inspection_agencies": ["police"],
              "inspection_at": (drive.clock.now() + timedelta(hours=hours_ahead)).isoformat()})


def test_a_joint_inspection_reply_not_given_by_the_day_before_goes_to_both_sides(drive):
    case_id = started_level_3(drive)
    propose_inspection(drive, case_id)
    drive.advance(hours=6, minutes=1)  # 24 h before the inspection: the reply is due
    assert told(drive, case_id, "inspection_reply_overdue") == [
        ("inspection_reply_overdue", "coordinator", "police"),
        ("inspection_reply_overdue", "handling_unit", "inspectorate")]
    drive.do("police", case_id, "confirm_joint_inspection", {"attendance": "confirm"}, unit="police")
    drive.advance(minutes=1)  # the day-before timer already passed: the reminder goes at once
    assert told(drive, case_id, "inspection_reminder") == [("inspection_reminder", "coordinator", "police"),
                                                           ("inspection_reminder", "handling_unit", "inspectorate")]


def test_late_minutes_and_late_confirmations_of_the_minutes_go_to_whoever_is_late(drive):
    case_id = started_level_3(drive)
    propose_inspection(drive, case_id)
    drive.do("police", case_id, "confirm_joint_inspection", {"attendance": "confirm"}, unit="police")
    drive.advance(hours=30, minutes=1)  # the inspection time: the minutes are expected, within 48 h
    drive.advance(hours=48, minutes=1)
    assert told(drive, case_id, "minutes_overdue") == [("minutes_overdue", "handling_unit", "inspectorate"),
                                                       ("minutes_overdue", "leadership", None)]
    drive.do("inspectorate", case_id, "record_minutes",
             {"minutes_ref": "BB 1", "minutes_summary": "Biên bản", "inspection_findings": "Vi phạm"})
    drive.advance(hours=24, minutes=1)
    assert told(drive, case_id, "minutes_confirm_overdue") == [
        ("minutes_confirm_overdue", "coordinator", "police"),
        ("minutes_confirm_overdue", "handling_unit", "inspectorate")]


def test_an_unconfirmed_urgent_agreement_goes_to_the_inspectorate_the_agency_and_leadership(drive):
    case_id = started_level_3(drive)
    drive.do("inspectorate", case_id, "coordinate",
             {"action": "urgent_agreement", "agreement_agency": "market-mgmt", "agreement_channel": "email",
              "agreement_summary": "Niêm phong hàng hóa"})
    drive.advance(hours=24, minutes=1)
    assert told(drive, case_id, "confirmation_overdue") == [("confirmation_overdue", "handling_unit", "inspectorate"),
                                                            ("confirmation_overdue", "coordinator", "market-mgmt"),
                                                            ("confirmation_overdue", "leadership", None)]


def test_the_automatic_close_notifies_no_staff(drive, create_case):
    case_id = create_case(2, at="citizen_feedback")
    drive.advance(days=7, minutes=1)
    assert drive.case(case_id).outcome == "auto_closed"
    assert drive.recipients(case_id) == []


def test_a_late_dispute_review_goes_to_leadership(drive, create_case):
    case_id = create_case(2, at="citizen_feedback")
    drive.do_as_citizen(case_id, {"resolved": False, "rating": 1})
    drive.advance(hours=48, minutes=1)
    assert drive.recipients(case_id) == [("dispute_overdue", "leadership", None)]


def test_a_case_reassigned_by_leadership_is_chased_at_its_new_unit(drive):
    case_id = classified(drive, LEVEL_3)
    drive.advance(hours=72, minutes=1)  # nobody started: the reminder, then the escalation
    drive.do("leader", case_id, "review_overdue", {"leadership_decision": "reassign", "reassign_to": "ward-tan-dinh",
                                                   "leadership_note": "Phường Tân Định tiếp nhận"})
    tan_dinh = Actor("tan-dinh", frozenset({"handling_unit"}), "ward-tan-dinh")
    with transaction(drive.factory) as session:
        cases.complete_task(session, tan_dinh, case_id, drive.task(case_id, "start_handling").task_id,
                            {"handling_plan": "Kiểm tra liên ngành"})
    before = len(drive.recipients(case_id))
    drive.advance(hours=4, minutes=1)
    per_agency = [[("ack_overdue", "coordinator", agency), ("ack_overdue", "handling_unit", "ward-tan-dinh"),
                   ("ack_overdue", "intake", None)] for agency in ("police", "market-mgmt")]
    assert drive.recipients(case_id)[before:] in (per_agency[0] + per_agency[1], per_agency[1] + per_agency[0])


@pytest.mark.parametrize(("args", "problem"), [
    (("reminder", "coordinator"), "must name the agency"),
    (("reminder", "handling_unit", "Not A Unit"), "unit code"),
    (("reminder", "mayor"), "role must be one of"),
    (("", "intake"), "non-empty"),
])
def test_notify_refuses_what_it_cannot_deliver(args, problem):
    notify = build_functions(Effects())["notify"]
    with pytest.raises(ValueError, match=problem):
        notify(*args)


def test_a_notification_to_an_agency_not_invited_to_the_case_fails_the_step_visibly(drive, factory):
    bundle = versions.read_bundle()
    main = versions.main_file(bundle, bundle["process_id"])
    bundle["bpmn"][main] = bundle["bpmn"][main].replace('notify("ack_overdue", "coordinator", agency)',
                                                        'notify("ack_overdue", "coordinator", "labour")')
    with transaction(factory) as session:
        versions.deploy(session, bundle, actor="tests")
    case_id = classified(drive, LEVEL_3)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    result = drive.advance(hours=4, minutes=1)
    assert result.failed == [case_id]
    assert "not invited" in drive.case(case_id).last_error
    assert drive.recipients(case_id) == []
