"""The case file: report, reporter confidentiality, attachments, timeline, deadline, diagram and notes."""
from __future__ import annotations

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
    assert 'id="open-tasks"' in html and "UBND phường Bến Thành" in html


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
    assert empty.status_code == 302 and "note_added" in drive.events(level1)
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
        from engine import reports
        from engine.models import Case
        case = session.get(Case, second)
        case.duplicate_of = reports.similar_open_case(session, case).code
    code = drive.case(first).code
    intake = as_user("intake")
    screen = drive.task(second, "screen")
    html = intake.get(f"/cases/{second}/tasks/{screen.task_id}").get_data(as_text=True)
    assert 'id="duplicate-of"' in html and code in html
    assert intake.get(f"/cases/code/{code}").headers["Location"].endswith(f"/cases/{first}")
    assert intake.get("/cases/code/NOPE").status_code == 404
