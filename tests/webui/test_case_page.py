"""The case file: report, reporter confidentiality, attachments, timeline, deadline, diagram and notes."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.db import transaction
from engine.models import Attachment


@pytest.fixture
def level1(drive):
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh",
                                             "classification_note": "Vi phạm nhỏ"})
    return case_id


def test_the_case_page_shows_report_deadline_and_open_tasks(as_user, drive, level1):
    html = as_user("intake").get(f"/cases/{level1}").get_data(as_text=True)
    case = drive.case(level1)
    assert case.code in html
    assert "Spa Hoa Hồng" in html and "12 Lê Lợi" in html
    assert 'id="countdown"' in html and "due-ok" in html
    assert 'id="open-tasks"' in html and "Phường Bến Thành" in html


def test_the_timeline_lists_what_happened_with_submitted_data(as_user, drive, level1):
    html = as_user("intake").get(f"/cases/{level1}").get_data(as_text=True)
    assert html.count('data-kind="task_completed"') == 2
    assert 'data-kind="received"' in html
    assert "Vi phạm nhỏ" in html  # the classification note, shown with its form label


def test_reporter_contact_only_for_intake_and_inspectors(as_user, level1):
    assert "Nguyễn A" in as_user("intake").get(f"/cases/{level1}").get_data(as_text=True)
    assert "Nguyễn A" in as_user("inspector").get(f"/cases/{level1}").get_data(as_text=True)
    for user in ("ward", "leader"):
        html = as_user(user).get(f"/cases/{level1}").get_data(as_text=True)
        assert "Nguyễn A" not in html and 'id="reporter"' not in html


def test_the_diagram_and_the_cases_position_on_it(as_user, level1):
    ward = as_user("ward")
    xml = ward.get(f"/cases/{level1}/diagram.bpmn")
    assert xml.mimetype == "application/xml" and b"bpmndi:BPMNDiagram" in xml.data
    state = ward.get(f"/cases/{level1}/diagram-state.json").get_json()
    assert "start_handling" in state["active"]
    assert {"screen", "classify"} <= set(state["completed"])
    assert not set(state["active"]) & set(state["completed"])


def test_internal_notes(as_user, drive, level1):
    ward = as_user("ward")
    response = ward.post(f"/cases/{level1}/notes", data={"body": "Đã gọi điện cho cơ sở"})
    assert response.status_code == 302
    assert "Đã gọi điện cho cơ sở" in ward.get(f"/cases/{level1}").get_data(as_text=True)
    empty = ward.post(f"/cases/{level1}/notes", data={"body": "   "})
    assert empty.status_code == 422 and "note_added" in drive.events(level1)
    assert drive.events(level1).count("note_added") == 1


def test_a_refused_note_comes_back_with_what_was_typed_and_line_breaks_count_once(as_user, drive, level1):
    """The note box counts a line break as one character and a browser sends two (CRLF): a note the box allowed
    was refused as too long, and every refusal lost the typed text."""
    ward = as_user("ward")
    typed = ("x" * 47 + "\r\n") * 104  # 4,992 characters in the box
    assert ward.post(f"/cases/{level1}/notes", data={"body": typed}).status_code == 302
    assert drive.events(level1).count("note_added") == 1
    too_long = ("y" * 60 + "\r\n") * 90
    refused = ward.post(f"/cases/{level1}/notes", data={"body": too_long})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="note-error"' in html and "y" * 60 in html  # the typed note is still in the box
    assert drive.events(level1).count("note_added") == 1
    assert as_user("police").post(f"/cases/{level1}/notes", data={"body": "x"}).status_code == 403


def test_attachments_show_as_thumbnails_and_players_for_those_who_may_see_the_case(app, as_user, drive, level1):
    from pathlib import Path

    folder = Path(app.config["ATTACHMENTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a1.jpg").write_bytes(b"\xff\xd8\xff\xe0fake-jpeg")
    (folder / "a2.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    with transaction(drive.factory) as session:
        photo = Attachment(case_id=level1, filename="anh.jpg", content_type="image/jpeg", size=14, storage_key="a1.jpg")
        video = Attachment(case_id=level1, filename="clip.mp4", content_type="video/mp4", size=12, storage_key="a2.mp4")
        session.add_all([photo, video])
        session.flush()
        photo_id = photo.id
    ward = as_user("ward")
    html = ward.get(f"/cases/{level1}").get_data(as_text=True)
    assert '<img class="attachment-thumb' in html and "<video" in html
    served = ward.get(f"/cases/attachments/{photo_id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.data.startswith(b"\xff\xd8")
    served.close()
    assert as_user("police").get(f"/cases/attachments/{photo_id}").status_code == 403
    assert ward.get("/cases/attachments/99999").status_code == 404


def test_the_case_list_filters_by_status_and_code(as_user, drive, level1):
    other = drive.report()
    intake = as_user("intake")
    html = intake.get("/cases/?status=in_handling").get_data(as_text=True)
    assert drive.case(level1).code in html and drive.case(other).code not in html
    html = intake.get(f"/cases/?q={drive.case(other).code}").get_data(as_text=True)
    assert drive.case(other).code in html and drive.case(level1).code not in html


def test_staff_see_the_duplicate_link_at_screening(as_user, drive):
    first = drive.report()
    second = drive.report(facility_name="Spa Hoa Hong")  # same ward and category, similar name
    with transaction(drive.factory) as session:
        from engine import citizen
        from engine.models import Case
        case = session.get(Case, second)
        case.duplicate_of = citizen.similar_open_case(session, case).code
    code = drive.case(first).code
    intake = as_user("intake")
    screen = drive.task(second, "screen")
    html = intake.get(f"/cases/{second}/tasks/{screen.task_id}").get_data(as_text=True)
    assert 'id="duplicate-of"' in html and code in html
    assert intake.get(f"/cases/code/{code}").headers["Location"].endswith(f"/cases/{first}")
    assert intake.get("/cases/code/NOPE").status_code == 404


# --- the deadline in the header: counting down, overdue, handled -----------------------------------------------

RESULT = {"findings": "Cơ sở tiêm filler không phép", "measures": ["fine"], "fine_amount": 10000000,
          "citizen_summary": "Đã xử phạt 10 triệu đồng."}


def header_of(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index('id="case-header"'):html.index('id="report"')]


def publish_at(drive, case_id: int, user: str, hours_after_receipt: float) -> None:
    received = drive.case(case_id).received_at
    drive.clock.set(received + timedelta(hours=hours_after_receipt))
    drive.do(user, case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    drive.do(user, case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", {"verification": "accept"})


def test_an_overdue_case_header_says_overdue_in_red(as_user, drive, level1):
    drive.advance(hours=25)  # the timer worker escalates the case
    header = header_of(as_user("ward").get(f"/cases/{level1}"))
    assert 'id="overdue-badge"' in header and "Quá hạn" in header
    assert "due-overdue" in header and "1 giờ 00 phút" in header
    assert "due-ok" not in header and "due-soon" not in header


def test_after_publication_the_countdown_stops_and_says_how_long_handling_took_on_time(as_user, drive):
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    publish_at(drive, case_id, "inspectorate", 31)
    drive.advance(hours=30)  # later than the 48 h deadline: nothing changes once published
    intake = as_user("intake")
    header = header_of(intake.get(f"/cases/{case_id}"))
    assert "xử lý trong 31 giờ — đúng hạn" in header
    assert 'id="countdown"' not in header and "overdue-badge" not in header and "handled-on-time" in header
    html = intake.get(f"/cases/{case_id}").get_data(as_text=True)
    tasks = html[html.index('id="open-tasks"'):html.index('id="diagram"')]
    assert "due-muted" in tasks and "due-ok" not in tasks  # the citizen's rating window is no handling countdown
    intake.post("/lang/en")
    assert "handled in 31 hours — on time" in header_of(intake.get(f"/cases/{case_id}"))


def test_a_late_result_says_by_how_much(as_user, drive, level1):
    drive.advance(hours=24, minutes=1)  # escalated at the 24 h deadline
    publish_at(drive, level1, "ward", 31)
    intake = as_user("intake")
    header = header_of(intake.get(f"/cases/{level1}"))
    assert "xử lý trong 31 giờ — trễ 7 giờ" in header and "handled-late" in header
    assert 'id="countdown"' not in header and "overdue-badge" not in header
    intake.post("/lang/en")
    assert "handled in 31 hours — 7 hours late" in header_of(intake.get(f"/cases/{level1}"))


def test_a_late_result_under_an_hour_counts_minutes(as_user, drive, level1):
    publish_at(drive, level1, "ward", 24 + 20 / 60)  # 20 minutes late, before the timer worker ran
    header = header_of(as_user("intake").get(f"/cases/{level1}"))
    assert "xử lý trong 24 giờ — trễ 20 phút" in header


def test_a_case_closed_without_a_result_shows_no_countdown(as_user, drive):
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "out_of_scope", "screening_reason": "Không thuộc"})
    drive.advance(hours=100)
    header = header_of(as_user("intake").get(f"/cases/{case_id}"))
    assert 'id="countdown"' not in header and "overdue-badge" not in header and "due-badge" not in header
