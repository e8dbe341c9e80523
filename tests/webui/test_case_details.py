"""The details of daily use on case and task pages: the published result at the top, people's names in the
timeline with claims folded away, the report's photos in a viewer, date fields, the confirming person prefilled."""
from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from engine import cases
from engine.attachments import AttachmentStore, Upload
from engine.db import transaction
from engine.models import Attachment, User
from forms import load_form, validate_form_data
from tests.factories import RESULT
from webui.formrender import parse_submission, render_fields


def jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(out, format="JPEG")
    return out.getvalue()


def add_photos(app, factory, case_id: int, count: int) -> list[int]:
    store = AttachmentStore(app.config["ATTACHMENTS_DIR"])
    stored = store.save_all([Upload(f"anh-{n}.jpg", io.BytesIO(jpeg("red"))) for n in range(1, count + 1)])
    with transaction(factory) as session:
        rows = [Attachment(case_id=case_id, filename=s.filename, content_type=s.content_type, size=s.size,
                           storage_key=s.storage_key) for s in stored]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


def test_a_published_case_shows_its_result_at_the_top(as_user, drive, create_case):
    case_id = create_case(level=1, at="citizen_feedback")
    html = as_user("intake").get(f"/cases/{case_id}").get_data(as_text=True)
    assert html.index('id="result-summary"') < html.index('id="report"')
    result = section(html, "result-summary")
    assert RESULT["citizen_summary"] in result and "Xử phạt tiền" in result  # the measures, as the form names them
    assert "10.000.000" in result and "Phường Bến Thành" in result  # the fine and the handling unit
    assert 'id="result-timeliness"' in result and "đúng hạn" in result


def test_no_result_summary_before_publication(as_user, drive, create_case):
    case_id = create_case(level=1, at="verify_result")
    assert 'id="result-summary"' not in as_user("intake").get(f"/cases/{case_id}").get_data(as_text=True)


def test_the_timeline_names_people_and_folds_claims_and_releases(as_user, drive, factory, create_case):
    case_id = create_case(level=1)
    item = drive.task(case_id, "start_handling")
    with transaction(factory) as session:
        cases.claim_task(session, drive.actor("ward"), case_id, item.task_id)
        cases.unclaim_task(session, drive.actor("ward"), case_id, item.task_id)
    html = as_user("intake").get(f"/cases/{case_id}").get_data(as_text=True)
    timeline = section(html, "timeline")
    whos = re.findall(r'<span class="who">([^<]*)</span>', timeline)
    assert "ward" not in whos and "intake" not in whos  # never the user names
    minor = re.findall(r'<li data-kind="(task_claimed|task_released)" class="timeline-minor"', timeline)
    assert sorted(minor) == ["task_claimed", "task_released"]
    assert 'id="timeline-all"' in timeline and "2 lượt nhận và trả việc" in timeline
    assert "Trần Thị Phường" in whos  # who claimed it, by name


def test_task_pages_show_the_reports_photos_linking_to_the_viewer_not_the_file(app, as_user, drive, factory,
                                                                               create_case):
    case_id = create_case(level=1)
    photos = add_photos(app, factory, case_id, 2)
    item = drive.task(case_id, "start_handling")
    html = as_user("ward").get(f"/cases/{case_id}/tasks/{item.task_id}").get_data(as_text=True)
    assert 'id="photo-viewer"' in html and "photo-viewer.js" in html
    links = re.findall(r'<a class="photo-link" href="([^"]+)"', html)
    assert links == [f"/cases/photos/{photos[0]}", f"/cases/photos/{photos[1]}"]
    assert "Ảnh 1/2: anh-1.jpg" in html


def test_the_photo_page_shows_one_photo_with_previous_and_next(app, as_user, drive, factory, create_case):
    case_id = create_case(level=1)
    photos = add_photos(app, factory, case_id, 3)
    page = as_user("ward").get(f"/cases/photos/{photos[1]}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Ảnh 2/3" in html and f'/cases/attachments/{photos[1]}"' in html
    assert f'rel="prev" href="/cases/photos/{photos[0]}"' in html
    assert f'rel="next" href="/cases/photos/{photos[2]}"' in html
    assert as_user("tandinh").get(f"/cases/photos/{photos[1]}").status_code == 403


def test_a_date_field_asks_for_a_date_and_reads_day_first_dates():
    schema = load_form("confirm_in_writing")
    html = str(render_fields(schema, {"confirmed_on": "2026-11-26"}))
    assert re.search(r'<input[^>]*type="date"[^>]*value="2026-11-26"[^>]*name="confirmed_on"|'
                     r'<input[^>]*type="date"[^>]*name="confirmed_on"', html)
    assert 'type="datetime-local"' not in html
    for typed in ("2026-11-26", "26/11/2026"):
        data, errors = parse_submission(schema, MultiDict({"confirmed_on": typed, "written_confirmation_ref": "CV 1"}))
        assert errors == {} and data["confirmed_on"] == "2026-11-26"
        assert validate_form_data(schema, data) == {}
    _, errors = parse_submission(schema, MultiDict({"confirmed_on": "31/02/2026"}))
    assert list(errors) == ["confirmed_on"]
    assert validate_form_data(schema, {"written_confirmation_ref": "CV 1", "confirmed_on": "2026-11-26T09:00:00Z"})


def test_the_confirming_person_is_prefilled_with_the_signed_in_name(as_user, drive, factory, create_case):
    case_id = create_case(level=3, agencies=["police"])
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra phối hợp"})
    item = drive.task(case_id, "acknowledge_request", unit="police")
    with transaction(factory) as session:
        session.execute(update(User).where(User.username == "police").values(display_name="Đại úy Lê Văn An"))
    html = as_user("police").get(f"/cases/{case_id}/tasks/{item.task_id}").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="acknowledged_by"[^>]*>', html).group(0)
    assert 'value="Đại úy Lê Văn An"' in field


def test_the_inbox_and_the_open_tasks_name_who_claimed_a_task(as_user, drive, factory, create_case):
    case_id = create_case(level=1)
    item = drive.task(case_id, "start_handling")
    with transaction(factory) as session:
        cases.claim_task(session, drive.actor("ward"), case_id, item.task_id)
    inbox = as_user("ward").get("/inbox/").get_data(as_text=True)
    cell = re.search(r'<td data-label="[^"]*">([^<]*)</td>\s*<td class="inbox-due"', inbox).group(1)
    assert cell == "Trần Thị Phường"
    tasks = section(as_user("intake").get(f"/cases/{case_id}").get_data(as_text=True), "open-tasks")
    assert "Trần Thị Phường" in tasks and "· ward<" not in tasks
