"""The agency panel of a level-3 case (engine.agencies): invited, acknowledged and contributed at, late by,
confirmations, and what is still expected from whom. Frozen clock, SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from engine import agencies
from engine.db import transaction
from tests.casedriver import CaseDriver
from tests.engine.test_level3_scenarios import ACK, contribute, level_3


def panel(drive: CaseDriver, case_id: int) -> agencies.AgencyPanel:
    with transaction(drive.factory) as session:
        return agencies.agency_panel(session, drive.case(case_id))


def test_a_case_without_agencies_has_no_panel(drive, create_case):
    assert panel(drive, create_case(2, at="start_handling")) is None


def test_the_panel_shows_each_agency_from_invitation_to_contribution_with_its_lateness(drive):
    case_id = level_3(drive, ["police", "market-mgmt"])
    started = drive.clock.now()
    drive.do("police", case_id, "acknowledge_request", ACK, unit="police")
    drive.clock.advance(hours=1)
    drive.do("police", case_id, "contribute_findings", contribute(), unit="police")
    drive.clock.advance(hours=1)
    invited = drive.clock.now()
    drive.do("inspectorate", case_id, "coordinate", {"action": "invite_agency", "invited_agency": "labour"})
    drive.advance(hours=4, minutes=1)  # market (4 h after the start) and labour (4 h after its invitation) are late
    drive.clock.advance(hours=2)
    drive.do("market", case_id, "acknowledge_request", ACK, unit="market-mgmt")

    found = panel(drive, case_id)
    rows = {row.unit: row for row in found.agencies}
    assert list(rows) == ["police", "market-mgmt", "labour"]
    police, market, labour = rows["police"], rows["market-mgmt"], rows["labour"]
    assert (police.invited_at, police.acknowledged_at, police.contributed_at) == (
        started, started, started + timedelta(hours=1))
    assert police.late_by is None and police.expected == []
    assert market.invited_at == started and market.acknowledged_at == drive.clock.now()
    assert market.late_steps == ["ack_overdue"]
    assert market.late_by == timedelta(hours=2)  # from the overdue notice to the acknowledgement
    assert [t.task_name for t in market.expected] == ["contribute_findings"]
    assert labour.invited_at == invited and labour.acknowledged_at is None
    assert labour.late_by == timedelta(hours=2)  # still open: late until now
    assert [t.task_name for t in labour.expected] == ["acknowledge_request"]
    assert [t.task_name for t in found.inspectorate_expected] == ["coordinate"]


def test_the_panel_lists_joint_inspection_replies_and_open_information_requests(drive):
    case_id = level_3(drive, ["police", "labour"])
    drive.do("inspectorate", case_id, "coordinate",
             {"action": "joint_inspection", "inspection_at": (drive.clock.now() + timedelta(days=3)).isoformat(),
              "inspection_place": "12 Lê Lợi", "inspection_agencies": ["police", "labour"]})
    drive.do("police", case_id, "confirm_joint_inspection",
             {"attendance": "decline", "decline_reason": "Đang làm nhiệm vụ khác"}, unit="police")
    drive.do("inspectorate", case_id, "coordinate",
             {"action": "information_request", "request_agency": "labour", "request_question": "Danh sách học viên?",
              "answer_hours": 24})
    rows = {row.unit: row for row in panel(drive, case_id).agencies}
    (reply,) = rows["police"].confirmations
    assert (reply.task_name, reply.data["attendance"], reply.data["decline_reason"]) == (
        "confirm_joint_inspection", "decline", "Đang làm nhiệm vụ khác")
    expected = sorted(t.task_name for t in rows["labour"].expected)
    assert expected == ["acknowledge_request", "answer_information_request", "confirm_joint_inspection"]
    request = next(t for t in rows["labour"].expected if t.task_name == "answer_information_request")
    assert request.due_at == drive.clock.now() + timedelta(hours=24)
