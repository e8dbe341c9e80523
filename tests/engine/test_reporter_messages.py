"""The reporter hears at every step: by e-mail through the outbox when an address was given, always on /track.

Cases are driven with the frozen clock on SQLite and PostgreSQL; the mails are read back from the outbox.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import cases, reporter_messages
from engine.db import make_session_factory, transaction
from engine.models import OutboxEmail, ReporterMessage, User
from engine.settings import Settings
from tests.casedriver import REPORT, CaseDriver

BASE = "https://phananh.example.gov.vn"
EMAIL = "mai.reporter@example.org"
SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}
RESULT = {"findings": "Cơ sở tiêm filler không phép", "measures": ["fine"], "fine_amount": 50000000,
          "citizen_summary": "Đã xử phạt 50 triệu đồng và đình chỉ hoạt động."}
SECOND_RESULT = {**RESULT, "citizen_summary": "Đã kiểm tra lại: cơ sở đã đóng cửa."}
ACCEPT = {"verification": "accept"}


@pytest.fixture
def drive(factory, db_engine, clock) -> CaseDriver:
    """Cases driven with links in mails pointing at BASE (settings.base_url)."""
    return CaseDriver(make_session_factory(db_engine, Settings(base_url=BASE)), clock)


def report(drive: CaseDriver, reporter: dict | None = None) -> int:
    with transaction(drive.factory) as session:
        reporter = {"name": "Nguyễn Thị Mai", "email": EMAIL} if reporter is None else reporter
        return cases.submit_report(session, REPORT, reporter).id


def mails_to_reporter(drive: CaseDriver, address: str = EMAIL) -> list[OutboxEmail]:
    with transaction(drive.factory) as session:
        return list(session.scalars(select(OutboxEmail).where(OutboxEmail.to_addr == address)
                                    .order_by(OutboxEmail.id)))


def messages(drive: CaseDriver, case_id: int) -> list[ReporterMessage]:
    with transaction(drive.factory) as session:
        return list(session.scalars(select(ReporterMessage).where(ReporterMessage.case_id == case_id)
                                    .order_by(ReporterMessage.id)))


def local(when) -> str:
    return (when + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")  # Ho Chi Minh City is UTC+7 all year


def classify(drive: CaseDriver, case_id: int, level: int = 2, unit: str = "inspectorate") -> None:
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": level, "handling_unit": unit, "classification_note": "x"})


def publish(drive: CaseDriver, case_id: int, user: str = "inspectorate", result: dict = RESULT,
            start: bool = True) -> None:
    if start:
        drive.do(user, case_id, "start_handling", {"handling_plan": "Kiểm tra đột xuất"})
    drive.do(user, case_id, "enter_result", result)
    drive.do("inspector", case_id, "verify_result", ACCEPT)


def staff_names(drive: CaseDriver) -> list[str]:
    with transaction(drive.factory) as session:
        return list(session.scalars(select(User.display_name)))


def test_the_reporter_hears_at_every_step_of_a_disputed_and_reopened_case(drive):
    received = drive.clock.now()
    case_id = report(drive)
    code = drive.case(case_id).code
    track = f"{BASE}/track?code={code}"

    drive.clock.advance(hours=1)
    classify(drive, case_id, level=2)
    deadline = drive.case(case_id).deadline_at
    assert deadline is not None and deadline > received

    drive.clock.advance(hours=20)
    publish(drive, case_id)
    closes_at = drive.task(case_id, "citizen_feedback").due_at
    assert closes_at is not None and closes_at > drive.clock.now()

    drive.clock.advance(hours=5)
    drive.do_as_citizen(case_id, {"resolved": False, "rating": 1, "feedback_comment": "Cơ sở vẫn hoạt động"})
    drive.clock.advance(hours=3)
    drive.do("inspector", case_id, "review_dispute", {"dispute_decision": "reopen", "dispute_note": "Kiểm tra lại"})
    new_deadline = drive.case(case_id).deadline_at
    assert new_deadline != deadline

    drive.clock.advance(hours=6)
    publish(drive, case_id, result=SECOND_RESULT)
    drive.do_as_citizen(case_id, {"resolved": True, "rating": 5})

    mails = mails_to_reporter(drive)
    assert [m.step for m in messages(drive, case_id)] == [
        "received", "classified", "result_published", "reopened", "result_published", "closed"]
    assert len(mails) == 6 and all(m.to_addr == EMAIL and code in m.subject for m in mails)
    receipt, classified, published, reopened, republished, closed = mails

    assert "Ông/Bà" in receipt.body and "Mã tra cứu" in receipt.body and track in receipt.body
    assert local(received) in receipt.body

    assert "cấp độ 2" in classified.subject and "cấp độ 2" in classified.body
    assert "Thanh tra Sở" in classified.body and "UBND" not in classified.body
    assert f"Thời hạn xử lý: {local(deadline)} (giờ Việt Nam)" in classified.body

    assert RESULT["citizen_summary"] in published.body and f"{track}#feedback" in published.body
    assert f"tự động đóng lúc {local(closes_at)}" in published.body

    assert "mở lại" in reopened.body and f"Thời hạn xử lý mới: {local(new_deadline)}" in reopened.body
    assert SECOND_RESULT["citizen_summary"] in republished.body and RESULT["citizen_summary"] not in republished.body
    assert "Hồ sơ đã được đóng" in closed.body

    for mail in mails:
        assert "bạn" not in mail.body and "Mã theo dõi" not in mail.body  # one wording for citizens
        assert track in mail.body
        assert all(name not in mail.body for name in staff_names(drive))  # never a staff member's name
        assert "inspectorate" not in mail.body


def test_a_level_1_report_names_the_ward_committee_as_the_kind_of_unit(drive):
    case_id = report(drive)
    classify(drive, case_id, level=1, unit="ward-ben-thanh")
    [_, classified] = mails_to_reporter(drive)
    assert "UBND phường/xã" in classified.body and "cấp độ 1" in classified.body
    assert "Bến Thành" not in classified.body and "Thanh tra Sở" not in classified.body


def test_an_upheld_dispute_is_told_once_and_closes_the_case(drive):
    case_id = report(drive)
    classify(drive, case_id)
    publish(drive, case_id)
    drive.do_as_citizen(case_id, {"resolved": False, "rating": 2})
    drive.do("inspector", case_id, "review_dispute", {"dispute_decision": "uphold", "dispute_note": "Đúng quy định"})
    steps = [m.step for m in messages(drive, case_id)]
    assert steps == ["received", "classified", "result_published", "dispute_upheld"]
    last = mails_to_reporter(drive)[-1]
    assert "giữ nguyên kết quả" in last.body and "Hồ sơ đã được đóng" in last.body


def test_a_result_nobody_rates_is_closed_by_the_timer_and_the_reporter_is_told_once(drive):
    case_id = report(drive)
    classify(drive, case_id)
    publish(drive, case_id)
    closes_at = drive.task(case_id, "citizen_feedback").due_at
    drive.clock.set(closes_at + timedelta(minutes=1))
    from engine import timers

    timers.run_once(drive.factory)
    timers.run_once(drive.factory)  # a second sweep (a retried timer) tells nothing new
    assert drive.case(case_id).outcome == "auto_closed"
    steps = [m.step for m in messages(drive, case_id)]
    assert steps == ["received", "classified", "result_published", "closed"]
    closed = mails_to_reporter(drive)[-1]
    assert "không nhận được ý kiến của Ông/Bà" in closed.body


@pytest.mark.parametrize(("outcome", "phrase"), [("out_of_scope", "không thuộc phạm vi"),
                                                 ("duplicate", "trùng với một phản ánh khác")])
def test_a_report_screened_out_is_told_it_was_not_accepted(drive, outcome, phrase):
    case_id = report(drive)
    drive.do("intake", case_id, "screen", {"screening_outcome": outcome, "screening_reason": "Lý do nội bộ",
                                           **({"duplicate_of": "ABCDE-FGHJK"} if outcome == "duplicate" else {})})
    [_, closed] = mails_to_reporter(drive)
    assert phrase in closed.body and "không được tiếp nhận" in closed.subject
    assert "Lý do nội bộ" not in closed.body and "ABCDE-FGHJK" not in closed.body


def test_without_an_address_nothing_is_mailed_but_every_message_is_kept_for_the_track_page(drive):
    case_id = report(drive, {"name": "Trần B", "phone": "0909000111"})
    anonymous_id = report(drive, {})
    classify(drive, case_id)
    classify(drive, anonymous_id)
    with transaction(drive.factory) as session:
        assert session.scalars(select(OutboxEmail).where(OutboxEmail.to_addr.not_like("%@example.vn"))).all() == []
        for cid in (case_id, anonymous_id):
            shown = reporter_messages.for_case(session, cases.get_case(session, cid), "vi")
            assert [m["step"] for m in shown] == ["received", "classified"]
            assert not any(m["emailed"] for m in shown)
            assert "cấp độ 2" in shown[1]["text"] and "Thanh tra Sở" in shown[1]["text"]


def test_each_message_is_sent_once_even_when_a_step_is_saved_again(drive):
    case_id = report(drive)
    classify(drive, case_id)
    with transaction(drive.factory) as session:
        case = cases.get_case(session, case_id)
        assert reporter_messages.report_received(session, case) is None
        assert reporter_messages.after_step(session, case, "received") is None  # the same step applied again
    assert len(mails_to_reporter(drive)) == 2 and len(messages(drive, case_id)) == 2


def test_an_english_reporter_gets_english_mails_and_the_page_shows_the_viewers_language(drive):
    case_id = report(drive, {"email": EMAIL, "lang": "en"})
    classify(drive, case_id)
    receipt, classified = mails_to_reporter(drive)
    assert "received your report" in receipt.subject and "Tracking code" in receipt.body
    assert "level 2" in classified.body and "handled by: the department inspectorate." in classified.body.lower()
    assert "Ông/Bà" not in classified.body
    with transaction(drive.factory) as session:
        shown = reporter_messages.for_case(session, cases.get_case(session, case_id), "vi")
    assert "cấp độ 2" in shown[1]["text"]
