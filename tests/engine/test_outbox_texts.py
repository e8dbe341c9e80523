"""What the e-mails say: every kind of notification in each language, the time left or how late, the late agency."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import cases, outbox
from engine.db import transaction
from engine.glossary import split_name
from engine.models import Notification, OutboxEmail
from tests.casedriver import REPORT, REPORTER
from tests.factories import add_user

KINDS = ["assignment", "reminder", "escalation", "ack_overdue", "contribution_overdue", "dispute_overdue",
         "reassigned"]


@pytest.mark.parametrize(("lang", "mine", "other"), [
    ("vi", ["Mã vụ việc", "Công việc: Xác minh", "Cơ sở: Spa Hoa Hồng"], ["Case:", "Task:", "Facility:"]),
    ("en", ["Case:", "Task: Xác minh", "Facility: Spa Hoa Hồng"], ["Mã vụ việc", "Công việc:", "Cơ sở:"]),
])
def test_every_kind_has_a_text_in_each_language_and_unknown_kinds_a_generic_one(factory, clock, lang, mine, other):
    with transaction(factory) as session:
        add_user(session, "leadership", None, "leader2", email="leader2@example.vn", lang=lang)
        case = cases.submit_report(session, REPORT, REPORTER)
        case.deadline_at = None
        for kind in [*KINDS, "something_new"]:
            notification = Notification(kind=kind, role="leadership", task_name="Xác minh")
            assert outbox.enqueue_for_notification(session, notification, case) == 1
        mails = list(session.scalars(select(OutboxEmail).where(OutboxEmail.to_addr == "leader2@example.vn")
                                     .order_by(OutboxEmail.id)))
    assert len({m.subject for m in mails}) == len(KINDS) + 1
    for mail in mails:
        assert all(text in mail.body for text in mine) and not any(text in mail.body for text in other)
        assert f"http://127.0.0.1:5000/cases/{case.id}\n" in mail.body
        assert "Hạn xử lý" not in mail.body and "Deadline" not in mail.body
        assert all(secret not in mail.body for secret in REPORTER.values())


def _mails_to(factory, address: str) -> list[OutboxEmail]:
    with transaction(factory) as session:
        return list(session.scalars(select(OutboxEmail).where(OutboxEmail.to_addr == address)
                                    .order_by(OutboxEmail.id)))


def test_a_reminder_says_the_time_left_and_an_escalation_how_late_with_leaderships_task(factory, clock):
    from tests.casedriver import CaseDriver

    with transaction(factory) as session:
        add_user(session, "handling_unit", "ward-ben-thanh", "ward2", email="ward2@example.vn")
        add_user(session, "handling_unit", "ward-ben-thanh", "ward2en", email="ward2.en@example.vn", lang="en")
        add_user(session, "leadership", None, "leader2", email="leader2@example.vn")
        add_user(session, "leadership", None, "leader2en", email="leader2.en@example.vn", lang="en")
    drive = CaseDriver(factory, clock)
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    case = drive.case(case_id)
    start = drive.task(case_id, "start_handling")

    clock.set(case.next_timer_at)  # the reminder's time, as the diagram set it
    fired_at = clock.now() + timedelta(minutes=1)
    drive.advance(minutes=1)
    drive.advance(seconds=1)  # another sweep: the reminder is not sent again
    [reminder] = [m for m in _mails_to(factory, "ward2@example.vn") if "Sắp đến hạn" in m.subject]
    [reminder_en] = [m for m in _mails_to(factory, "ward2.en@example.vn") if "Deadline approaching" in m.subject]
    hours, minutes = divmod(int((case.deadline_at - fired_at).total_seconds() // 60), 60)
    assert hours > 0 and minutes == 59
    assert f"còn {hours} giờ 59 phút" in reminder.body and f"{hours} h 59 min left" in reminder_en.body
    assert f"Công việc: {split_name(start.title, 'vi')} (" in reminder.body  # the task's name in one language
    assert f"Task: {split_name(start.title, 'en')} (" in reminder_en.body
    assert "Task:" not in reminder.body and "Công việc:" not in reminder_en.body
    assert f"/cases/{case_id}/tasks/{start.task_id}" in reminder.body

    clock.set(case.deadline_at)
    drive.advance(minutes=45)
    [escalation] = _mails_to(factory, "leader2@example.vn")
    [escalation_en] = _mails_to(factory, "leader2.en@example.vn")
    review = drive.task(case_id, "review_overdue")
    assert f"[{case.code}]" in escalation.subject and "Quá hạn" in escalation.subject
    assert escalation_en.subject == f"[{case.code}] Deadline passed, escalated"
    assert "quá hạn 45 phút" in escalation.body and "overdue by 45 min" in escalation_en.body
    assert "Cơ sở: Spa Hoa Hồng" in escalation.body and "Cấp độ: 1" in escalation.body
    assert f"/cases/{case_id}/tasks/{review.task_id}" in escalation.body


def test_a_late_acknowledgement_names_the_late_agency_in_intakes_mail(factory, clock):
    from tests.casedriver import CaseDriver

    with transaction(factory) as session:
        add_user(session, "intake", "rrt", "intake2", email="intake2@example.vn")
        add_user(session, "intake", "rrt", "intake2en", email="intake2.en@example.vn", lang="en")
    drive = CaseDriver(factory, clock)
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 3, "handling_unit": "inspectorate", "agencies": ["police"]})
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})
    drive.advance(hours=4, minutes=1)
    late = [m for m in _mails_to(factory, "intake2@example.vn") if "chưa xác nhận" in m.subject]
    assert len(late) == 1
    [late_en] = [m for m in _mails_to(factory, "intake2.en@example.vn") if "Acknowledgement overdue" in m.subject]
    assert "Công việc: Xác nhận tiếp nhận yêu cầu (Công an Thành phố)" in late[0].body
    assert "Task: Acknowledge the request (Công an Thành phố)" in late_en.body  # the unit's name is its own
    assert "Cấp độ: 3" in late[0].body and "Level: 3" in late_en.body
