"""Whole cases driven through the engine services with a frozen clock, on SQLite and PostgreSQL.

Every deadline, reminder and escalation here comes from the diagram's timers firing in the timer sweep.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine import versions, workflows
from engine.functions import Effects
from tests.casedriver import CaseDriver

SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}
RESULT = {"findings": "Cơ sở tiêm filler không phép", "measures": ["fine", "suspension"], "fine_amount": 50000000,
          "citizen_summary": "Đã xử phạt 50 triệu đồng và đình chỉ hoạt động."}
ACCEPT = {"verification": "accept"}


def classify(level: int, unit: str, agencies: list[str] | None = None) -> dict:
    data = {"level": level, "handling_unit": unit, "classification_note": "Phân loại"}
    if agencies is not None:
        data["agencies"] = agencies
    return data


def assert_round_trip(drive: CaseDriver, case_id: int) -> None:
    """Save → load at a wait state gives the same inbox and the same due times."""
    case = drive.case(case_id)
    parsed = versions.parsed(case.process_version)
    wf = workflows.loads(case.workflow_json, Effects(), parsed)
    again = workflows.loads(workflows.dumps(wf), Effects(), parsed)
    assert workflows.ready_tasks(again) == workflows.ready_tasks(wf)
    assert workflows.next_timer_due(again) == workflows.next_timer_due(wf) == case.next_timer_at
    inbox_rows = {(t.task_id, t.task_name, t.role, t.unit, t.due_at) for t in drive.open_tasks(case_id)}
    assert inbox_rows == {(t.id, t.name, t.role, t.unit, t.due_at) for t in workflows.ready_tasks(again)}


def screen_and_classify(drive: CaseDriver, level: int, unit: str, agencies=None) -> int:
    case_id = drive.report()
    assert drive.task_names(case_id) == ["screen"]
    assert_round_trip(drive, case_id)
    drive.do("intake", case_id, "screen", SCREEN_IN)
    assert drive.task_names(case_id) == ["classify"]
    drive.do("intake", case_id, "classify", classify(level, unit, agencies))
    return case_id


def test_level_1_case_handled_on_time_is_published_and_closed_after_a_good_rating(drive):
    received = drive.clock.now()
    case_id = screen_and_classify(drive, 1, "ward-ben-thanh")
    case = drive.case(case_id)
    assert (case.level, case.handling_unit, case.status) == (1, "ward-ben-thanh", "in_handling")
    assert case.deadline_at == received + timedelta(hours=24)
    task = drive.task(case_id, "start_handling")
    assert (task.role, task.unit, task.due_at) == ("handling_unit", "ward-ben-thanh", received + timedelta(hours=24))
    assert [t.task_name for t in drive.inbox_of("ward")] == ["start_handling"]
    assert drive.inbox_of("inspectorate") == []  # another unit does not see a ward's case
    assert_round_trip(drive, case_id)

    drive.clock.advance(hours=3)
    drive.do("ward", case_id, "start_handling", {"handling_plan": "Kiểm tra đột xuất chiều nay"})
    drive.clock.advance(hours=5)
    drive.do("ward", case_id, "enter_result", RESULT)
    assert drive.task(case_id, "verify_result").role == "inspector"
    drive.do("inspector", case_id, "verify_result", ACCEPT)
    case = drive.case(case_id)
    assert case.status == "result_published" and not case.overdue
    assert drive.task_names(case_id) == ["citizen_feedback"]
    assert_round_trip(drive, case_id)

    drive.advance(hours=30)  # the 24 h deadline passed after publication: the clock had stopped, nothing fires
    assert not drive.case(case_id).overdue
    drive.do_as_citizen(case_id, {"resolved": True, "rating": 5, "feedback_comment": "Cảm ơn"})
    case = drive.case(case_id)
    assert (case.status, case.outcome) == ("closed", "resolved")
    assert drive.open_tasks(case_id) == []
    assert "escalated" not in drive.events(case_id)


def test_level_1_case_not_handled_gets_a_reminder_then_is_escalated_to_leadership(drive):
    received = drive.clock.now()
    case_id = screen_and_classify(drive, 1, "ward-ben-thanh")
    assert drive.case(case_id).next_timer_at == received + timedelta(hours=20)

    # the ward is told of its new task
    assert drive.notifications(case_id, assignments=True) == [("assignment", "handling_unit")]
    drive.advance(hours=19, minutes=59)
    assert drive.notifications(case_id) == []
    drive.advance(minutes=2)  # 20 h after receipt: the reminder
    assert drive.notifications(case_id) == [("reminder", "handling_unit")]
    assert not drive.case(case_id).overdue
    assert_round_trip(drive, case_id)

    drive.advance(hours=4)  # past 24 h: escalation, the work goes on
    case = drive.case(case_id)
    assert case.overdue and case.status == "in_handling"
    assert sorted(drive.task_names(case_id)) == ["review_overdue", "start_handling"]
    assert [t.task_name for t in drive.inbox_of("leader")] == ["review_overdue"]
    assert [t.task_name for t in drive.inbox_of("ward")] == ["start_handling"]
    assert drive.events(case_id).count("escalated") == 1
    assert ("escalation", "leadership") in drive.notifications(case_id)
    assert_round_trip(drive, case_id)

    # leadership hands the case to the inspectorate
    drive.do("leader", case_id, "review_overdue", {"leadership_decision": "reassign", "reassign_to": "inspectorate",
                                                   "leadership_note": "Thanh tra Sở tiếp nhận"})
    assert drive.case(case_id).handling_unit == "inspectorate"
    assert drive.inbox_of("ward") == []
    assert [t.task_name for t in drive.inbox_of("inspectorate")] == ["start_handling"]
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    assert drive.task(case_id, "enter_result").unit == "inspectorate"
    drive.advance(hours=48)
    assert drive.events(case_id).count("escalated") == 1  # a deadline escalates once
    drive.do("inspectorate", case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", ACCEPT)
    assert drive.case(case_id).status == "result_published"


def test_level_2_result_rejected_by_the_inspector_goes_back_for_rework_and_the_deadline_keeps_running(drive):
    received = drive.clock.now()
    case_id = screen_and_classify(drive, 2, "inspectorate")
    assert drive.case(case_id).deadline_at == received + timedelta(hours=48)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Lập đoàn kiểm tra"})
    drive.do("inspectorate", case_id, "enter_result",
             {"findings": "Chưa đủ", "measures": ["warning"], "citizen_summary": "Đã nhắc nhở"})
    drive.clock.advance(hours=10)
    drive.do("inspector", case_id, "verify_result", {"verification": "reject",
                                                     "verification_comment": "Thiếu biên bản kiểm tra"})
    rework = drive.task(case_id, "enter_result")
    assert (rework.unit, rework.due_at) == ("inspectorate", received + timedelta(hours=48))
    assert drive.case(case_id).status == "in_handling"
    assert_round_trip(drive, case_id)

    drive.advance(hours=39)  # 49 h after receipt: the deadline was not reset by the rework
    assert drive.case(case_id).overdue
    drive.do("inspectorate", case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", ACCEPT)
    assert drive.case(case_id).status == "result_published"
    assert drive.events(case_id).count("task_completed") == 7


def test_level_3_case_coordinates_with_three_agencies_and_chases_the_late_one(drive):
    received = drive.clock.now()
    agencies = ["police", "market-mgmt", "labour"]
    case_id = screen_and_classify(drive, 3, "inspectorate", agencies)
    assert drive.case(case_id).deadline_at == received + timedelta(hours=72)
    drive.clock.advance(hours=1)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    acks = [t for t in drive.open_tasks(case_id) if t.task_name == "acknowledge_request"]
    assert sorted(t.unit for t in acks) == sorted(agencies)
    assert {t.due_at for t in acks} == {drive.clock.now() + timedelta(hours=4)}
    assert [t.task_name for t in drive.inbox_of("police")] == ["acknowledge_request"]
    assert [t.task_name for t in drive.inbox_of("inspectorate")] == ["coordinate"]  # no result before the agencies
    assert_round_trip(drive, case_id)

    drive.do("police", case_id, "acknowledge_request", {"acknowledged_by": "Đại úy A"}, unit="police")
    drive.do("market", case_id, "acknowledge_request", {"acknowledged_by": "Ông B"}, unit="market-mgmt")
    drive.advance(hours=4, minutes=1)
    # only labour was late: labour itself, the inspectorate handling the case and intake hear of it
    assert drive.recipients(case_id) == [("ack_overdue", "coordinator", "labour"),
                                         ("ack_overdue", "handling_unit", "inspectorate"),
                                         ("ack_overdue", "intake", None)]
    drive.do("labour", case_id, "acknowledge_request", {"acknowledged_by": "Bà C"}, unit="labour")

    drive.do("police", case_id, "contribute_findings",
             {"agency_findings": "Đã xác minh", "urgent_phone_contact": False}, unit="police")
    drive.do("market", case_id, "contribute_findings",
             {"agency_findings": "Hàng không rõ nguồn gốc", "urgent_phone_contact": True,
              "phone_contact_summary": "Gọi điện khẩn cho Thanh tra lúc 21h"}, unit="market-mgmt")
    assert drive.task(case_id, "confirm_in_writing", unit="market-mgmt")
    drive.do("labour", case_id, "contribute_findings", {"agency_findings": "Không có", "urgent_phone_contact": False},
             unit="labour")
    assert "enter_result" not in drive.task_names(case_id)  # the written confirmation is mandatory
    assert_round_trip(drive, case_id)
    drive.do("market", case_id, "confirm_in_writing",
             {"written_confirmation_ref": "CV 123/QLTT", "confirmed_on": "2026-11-24"},
             unit="market-mgmt")
    assert drive.task_names(case_id) == ["coordinate"]
    drive.do("inspectorate", case_id, "coordinate", {"action": "finish"})
    assert drive.task_names(case_id) == ["enter_result"]
    drive.do("inspectorate", case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", ACCEPT)
    assert drive.case(case_id).status == "result_published"
    assert not drive.case(case_id).overdue


def publish(drive: CaseDriver, level: int = 2, unit: str = "inspectorate") -> int:
    case_id = screen_and_classify(drive, level, unit)
    drive.do(_user_of(unit), case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    drive.do(_user_of(unit), case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", ACCEPT)
    assert drive.case(case_id).status == "result_published"
    return case_id


def _user_of(unit: str) -> str:
    return {"inspectorate": "inspectorate", "ward-ben-thanh": "ward"}[unit]


def test_a_citizen_dispute_reopens_the_case_with_a_fresh_deadline(drive):
    case_id = publish(drive)
    drive.clock.advance(hours=30)
    drive.do_as_citizen(case_id, {"resolved": False, "rating": 1, "feedback_comment": "Cơ sở vẫn hoạt động"})
    assert drive.case(case_id).status == "disputed"
    review = drive.task(case_id, "review_dispute")
    assert (review.role, review.due_at) == ("inspector", drive.clock.now() + timedelta(hours=48))
    assert_round_trip(drive, case_id)

    drive.clock.advance(hours=2)
    drive.do("inspector", case_id, "review_dispute", {"dispute_decision": "reopen",
                                                      "dispute_note": "Cần kiểm tra lại"})
    case = drive.case(case_id)
    assert case.status == "in_handling"
    handling = drive.task(case_id, "start_handling")
    assert handling.due_at == drive.clock.now() + timedelta(hours=48) == case.deadline_at
    assert_round_trip(drive, case_id)


def test_a_dispute_review_not_done_in_48_hours_notifies_leadership(drive):
    case_id = publish(drive)
    drive.do_as_citizen(case_id, {"resolved": False, "rating": 2})
    drive.advance(hours=48, minutes=1)
    assert ("dispute_overdue", "leadership") in drive.notifications(case_id)
    drive.do("inspector", case_id, "review_dispute", {"dispute_decision": "uphold", "dispute_note": "Đã xử lý đúng"})
    assert (drive.case(case_id).status, drive.case(case_id).outcome) == ("closed", "dispute_upheld")


def test_a_published_result_without_a_citizen_answer_closes_automatically_after_7_days(drive):
    case_id = publish(drive, level=1, unit="ward-ben-thanh")
    drive.advance(days=6, hours=23)
    assert drive.case(case_id).status == "result_published"
    drive.advance(hours=2)
    case = drive.case(case_id)
    assert (case.status, case.outcome) == ("closed", "auto_closed")
    assert drive.open_tasks(case_id) == []
    assert case.next_timer_at is None


@pytest.mark.parametrize("outcome", ["out_of_scope", "duplicate"])
def test_a_report_screened_out_is_closed_as_not_accepted(drive, outcome):
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": outcome, "screening_reason": "Không thuộc thẩm quyền",
                                           **({"duplicate_of": "ABCDE-FGHJK"} if outcome == "duplicate" else {})})
    case = drive.case(case_id)
    assert (case.status, case.outcome) == ("not_accepted", outcome)
    assert drive.open_tasks(case_id) == [] and case.next_timer_at is None


def test_a_case_saved_with_its_spec_embedded_still_loads_and_new_saves_reference_the_version(drive):
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    case_id = screen_and_classify(drive, 1, "ward-ben-thanh")
    case = drive.case(case_id)
    parsed = versions.parsed(case.process_version)
    assert '"spec_ref"' in case.workflow_json and '"task_specs"' not in case.workflow_json
    assert case.serializer_version.endswith("+ref")
    wf = workflows.loads(case.workflow_json, Effects(), parsed)
    embedded = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(wf)
    assert len(embedded) > 2 * len(case.workflow_json)
    old = workflows.loads(embedded, Effects(), parsed)
    assert workflows.ready_tasks(old) == workflows.ready_tasks(wf)
