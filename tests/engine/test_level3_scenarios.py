"""Level 3 in depth, driven through the engine services with a frozen clock, on SQLite and PostgreSQL: agencies
invited while the case runs, written information requests, joint inspections, urgent agreements between leaders,
and the agencies' findings gathered in one collection that the diagram tests. Every deadline, reminder and
escalation here comes from the diagram's timers firing in the timer sweep."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import ValidationError
from tests.casedriver import CaseDriver
from tests.engine.test_scenarios import ACCEPT, RESULT, assert_round_trip, screen_and_classify

ACK = {"acknowledged_by": "Cán bộ trực"}
FINISH = {"action": "finish"}


def contribute(findings: str = "Đã xác minh", **extra) -> dict:
    return {"agency_findings": findings, "urgent_phone_contact": False, **extra}


def level_3(drive: CaseDriver, agencies: list[str]) -> int:
    case_id = screen_and_classify(drive, 3, "inspectorate", agencies)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    return case_id


def acknowledge_and_contribute(drive: CaseDriver, case_id: int, user: str, unit: str, **extra) -> None:
    drive.do(user, case_id, "acknowledge_request", ACK, unit=unit)
    drive.do(user, case_id, "contribute_findings", contribute(**extra), unit=unit)


def test_the_inspectorate_coordinates_while_the_agencies_work_and_closes_coordination_to_enter_the_result(drive):
    case_id = level_3(drive, ["police"])
    assert sorted(drive.task_names(case_id)) == ["acknowledge_request", "coordinate"]
    assert [t.task_name for t in drive.inbox_of("inspectorate")] == ["coordinate"]
    assert_round_trip(drive, case_id)
    acknowledge_and_contribute(drive, case_id, "police", "police")
    assert drive.task_names(case_id) == ["coordinate"]  # the agencies are done; the inspectorate decides
    drive.do("inspectorate", case_id, "coordinate", FINISH)
    assert drive.task_names(case_id) == ["enter_result"]
    drive.do("inspectorate", case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", ACCEPT)
    assert drive.case(case_id).status == "result_published"


def test_an_agency_invited_mid_case_gets_the_same_deadlines_from_its_invitation_and_sees_the_case(drive):
    case_id = level_3(drive, ["police"])
    drive.do("police", case_id, "acknowledge_request", ACK, unit="police")
    drive.clock.advance(hours=10)
    invited_at = drive.clock.now()
    assert drive.inbox_of("labour") == []
    drive.do("inspectorate", case_id, "coordinate", {"action": "invite_agency", "invited_agency": "labour"})
    assert drive.case(case_id).agencies == ["police", "labour"]
    ack = drive.task(case_id, "acknowledge_request", unit="labour")
    assert ack.due_at == invited_at + timedelta(hours=4)
    assert [t.task_name for t in drive.inbox_of("labour")] == ["acknowledge_request"]
    assert "coordinate" in drive.task_names(case_id)  # the inspectorate can go on coordinating
    assert "agency_invited" in drive.events(case_id)
    assert_round_trip(drive, case_id)

    drive.advance(hours=4, minutes=1)  # the invited agency is late: it and the inspectorate are told
    assert ("ack_overdue", "coordinator", "labour") in drive.recipients(case_id)
    assert ("ack_overdue", "handling_unit", "inspectorate") in drive.recipients(case_id)
    drive.do("labour", case_id, "acknowledge_request", ACK, unit="labour")
    contribution = drive.task(case_id, "contribute_findings", unit="labour")
    assert contribution.due_at == drive.clock.now() + timedelta(hours=24)
    drive.do("labour", case_id, "contribute_findings", contribute("Lao động không hợp đồng"), unit="labour")
    drive.do("police", case_id, "contribute_findings", contribute(), unit="police")
    drive.do("inspectorate", case_id, "coordinate", FINISH)
    assert drive.task_names(case_id) == ["enter_result"]


def test_inviting_an_agency_twice_or_a_unit_that_is_no_agency_is_refused_and_changes_nothing(drive):
    case_id = level_3(drive, ["police"])
    before = drive.case(case_id).row_version
    with pytest.raises(ValidationError) as twice:
        drive.do("inspectorate", case_id, "coordinate", {"action": "invite_agency", "invited_agency": "police"})
    assert "invited_agency" in twice.value.errors
    with pytest.raises(ValidationError) as ward:
        drive.do("inspectorate", case_id, "coordinate", {"action": "invite_agency", "invited_agency": "ward-ben-thanh"})
    assert "invited_agency" in ward.value.errors
    case = drive.case(case_id)
    assert (case.agencies, case.row_version) == (["police"], before)


def test_a_late_acknowledgement_is_told_to_the_agency_and_the_inspectorate_naming_the_case(drive):
    case_id = level_3(drive, ["police", "market-mgmt"])
    drive.do("police", case_id, "acknowledge_request", ACK, unit="police")
    drive.advance(hours=4, minutes=1)
    told = [r for r in drive.recipients(case_id) if r[0] == "ack_overdue"]
    assert ("ack_overdue", "coordinator", "market-mgmt") in told
    assert ("ack_overdue", "handling_unit", "inspectorate") in told
    assert ("ack_overdue", "coordinator", "police") not in told


def test_an_information_request_answered_late_is_reminded_escalated_to_both_sides_and_goes_back(drive):
    case_id = level_3(drive, ["police", "market-mgmt"])
    asked_at = drive.clock.now()
    drive.do("inspectorate", case_id, "coordinate",
             {"action": "information_request", "request_agency": "market-mgmt",
              "request_question": "Cung cấp hồ sơ nhập hàng của cơ sở", "answer_hours": 8})
    answer = drive.task(case_id, "answer_information_request")
    assert (answer.role, answer.unit, answer.due_at) == ("coordinator", "market-mgmt", asked_at + timedelta(hours=8))
    drive.advance(hours=6, minutes=1)
    assert ("request_reminder", "coordinator", "market-mgmt") in drive.recipients(case_id)
    drive.advance(hours=2)
    late = [r for r in drive.recipients(case_id) if r[0] == "request_overdue"]
    assert late == [("request_overdue", "coordinator", "market-mgmt"),
                    ("request_overdue", "handling_unit", "inspectorate")]
    assert_round_trip(drive, case_id)
    drive.do("market", case_id, "answer_information_request",
             {"request_answer": "Không có hóa đơn nhập hàng", "answered_by": "Ông B"}, unit="market-mgmt")
    assert ("request_answered", "handling_unit", "inspectorate") in drive.recipients(case_id)


def test_an_answer_deadline_outside_4_to_120_hours_is_refused(drive):
    case_id = level_3(drive, ["police"])
    for hours in (3, 121):
        with pytest.raises(ValidationError) as refused:
            drive.do("inspectorate", case_id, "coordinate",
                     {"action": "information_request", "request_agency": "police",
                      "request_question": "Hồ sơ?", "answer_hours": hours})
        assert "answer_hours" in refused.value.errors
    with pytest.raises(ValidationError) as not_invited:
        drive.do("inspectorate", case_id, "coordinate",
                 {"action": "information_request", "request_agency": "labour", "request_question": "Hồ sơ?",
                  "answer_hours": 8})
    assert "request_agency" in not_invited.value.errors


def test_a_joint_inspection_with_one_decline_reminds_the_day_before_and_the_minutes_are_confirmed(drive):
    case_id = level_3(drive, ["police", "market-mgmt", "labour"])
    inspection_at = drive.clock.now() + timedelta(hours=48)
    drive.do("inspectorate", case_id, "coordinate",
             {"action": "joint_inspection", "inspection_at": inspection_at.isoformat(),
              "inspection_place": "Cơ sở đào tạo tiêm filler, 12 Lê Lợi",
              "inspection_agencies": ["police", "labour"]})
    replies = [t for t in drive.open_tasks(case_id) if t.task_name == "confirm_joint_inspection"]
    assert sorted(t.unit for t in replies) == ["labour", "police"]
    assert {t.due_at for t in replies} == {inspection_at - timedelta(hours=24)}
    with pytest.raises(ValidationError):  # a decline needs its reason
        drive.do("police", case_id, "confirm_joint_inspection", {"attendance": "decline"}, unit="police")
    drive.do("police", case_id, "confirm_joint_inspection",
             {"attendance": "decline", "decline_reason": "Lực lượng đang làm nhiệm vụ khác"}, unit="police")
    drive.do("labour", case_id, "confirm_joint_inspection", {"attendance": "confirm",
                                                              "participant_names": "Thanh tra Lao động"},
             unit="labour")
    assert_round_trip(drive, case_id)
    drive.advance(hours=24, minutes=1)  # the day before: the inspectorate and the participant are reminded
    reminded = [r for r in drive.recipients(case_id) if r[0] == "inspection_reminder"]
    assert reminded == [("inspection_reminder", "coordinator", "labour"),
                        ("inspection_reminder", "handling_unit", "inspectorate")]
    assert "record_minutes" not in drive.task_names(case_id)
    drive.advance(hours=24)
    drive.do("inspectorate", case_id, "record_minutes",
             {"minutes_ref": "BB 01/TTLN", "minutes_summary": "Cơ sở đào tạo tiêm filler không phép",
              "inspection_findings": "Không có giấy phép, 12 học viên"})
    confirmations = [t for t in drive.open_tasks(case_id) if t.task_name == "confirm_minutes"]
    assert [t.unit for t in confirmations] == ["labour"]  # only who took part confirms the minutes
    drive.do("labour", case_id, "confirm_minutes", {"minutes_agreed": True}, unit="labour")
    assert "confirm_minutes" not in drive.task_names(case_id)
    for user, unit in (("police", "police"), ("market", "market-mgmt"), ("labour", "labour")):
        acknowledge_and_contribute(drive, case_id, user, unit)
    drive.do("inspectorate", case_id, "coordinate", FINISH)
    assert drive.task_names(case_id) == ["enter_result"]
    drive.do("inspectorate", case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", ACCEPT)
    assert drive.case(case_id).status == "result_published"


def test_an_urgent_agreement_between_leaders_must_be_confirmed_in_writing_or_is_escalated(drive):
    case_id = level_3(drive, ["police"])
    drive.do("inspectorate", case_id, "coordinate",
             {"action": "urgent_agreement", "agreement_agency": "police", "agreement_channel": "phone",
              "agreement_summary": "Công an hỗ trợ niêm phong cơ sở tối nay"})
    task = drive.task(case_id, "confirm_agreement_in_writing")
    assert (task.role, task.unit, task.due_at) == ("handling_unit", "inspectorate",
                                                   drive.clock.now() + timedelta(hours=24))
    drive.advance(hours=24, minutes=1)
    late = [r for r in drive.recipients(case_id) if r[0] == "confirmation_overdue"]
    assert late == [("confirmation_overdue", "handling_unit", "inspectorate"),
                    ("confirmation_overdue", "coordinator", "police"),
                    ("confirmation_overdue", "leadership", None)]


def test_a_criminal_matter_found_by_any_agency_hands_the_case_to_the_police_before_the_result(drive):
    case_id = level_3(drive, ["police", "market-mgmt"])
    drive.do("inspectorate", case_id, "coordinate", {"action": "invite_agency", "invited_agency": "labour"})
    acknowledge_and_contribute(drive, case_id, "police", "police")
    acknowledge_and_contribute(drive, case_id, "market", "market-mgmt")
    acknowledge_and_contribute(drive, case_id, "labour", "labour", criminal_matter=True)  # the invited one
    drive.do("inspectorate", case_id, "coordinate", FINISH)
    assert drive.task_names(case_id) == ["refer_to_police"]
    assert ("criminal_matter", "leadership", None) in drive.recipients(case_id)
    drive.do("inspectorate", case_id, "refer_to_police", {"referral_ref": "CV 45/TTS", "referred_to": "PC02"})
    assert drive.task_names(case_id) == ["enter_result"]


def test_without_a_criminal_matter_the_case_goes_straight_to_the_result(drive):
    case_id = level_3(drive, ["police", "market-mgmt"])
    drive.do("inspectorate", case_id, "coordinate", {"action": "invite_agency", "invited_agency": "labour"})
    for user, unit in (("police", "police"), ("market", "market-mgmt"), ("labour", "labour")):
        acknowledge_and_contribute(drive, case_id, user, unit, criminal_matter=False)
    drive.do("inspectorate", case_id, "coordinate", FINISH)
    assert drive.task_names(case_id) == ["enter_result"]


def test_an_agency_asks_the_inspectorate_in_writing_and_gets_its_answer_back(drive):
    case_id = level_3(drive, ["police", "market-mgmt"])
    with pytest.raises(ValidationError) as no_deadline:  # a question needs its answer deadline
        drive.do("market", case_id, "acknowledge_request", {**ACK, "agency_question": "Hồ sơ?"}, unit="market-mgmt")
    assert "question_hours" in no_deadline.value.errors
    drive.do("police", case_id, "acknowledge_request",
             {**ACK, "agency_question": "Cơ sở có giấy phép kinh doanh không?", "question_hours": 12}, unit="police")
    question = drive.task(case_id, "answer_agency_question")
    assert (question.role, question.unit, question.due_at) == ("handling_unit", "inspectorate",
                                                               drive.clock.now() + timedelta(hours=12))
    assert "contribute_findings" in drive.task_names(case_id)  # the agency goes on meanwhile
    drive.do("police", case_id, "contribute_findings", contribute(), unit="police")
    drive.do("market", case_id, "acknowledge_request", ACK, unit="market-mgmt")
    drive.do("market", case_id, "contribute_findings", contribute(), unit="market-mgmt")
    drive.do("inspectorate", case_id, "coordinate", FINISH)
    assert "enter_result" not in drive.task_names(case_id)  # the agency's question is still open
    drive.do("inspectorate", case_id, "answer_agency_question", {"question_answer": "Không có giấy phép"})
    assert ("question_answered", "coordinator", "police") in drive.recipients(case_id)
    assert drive.task_names(case_id) == ["enter_result"]
