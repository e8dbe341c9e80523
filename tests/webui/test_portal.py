"""The citizen portal: report without an account (files, anonymity, honeypot, double submit), follow the report
by tracking code, see the result, rate it or dispute it."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from engine import units
from engine.db import transaction
from engine.models import Attachment, Case, OutboxEmail
from tests.factories import deploy_main_changed
from tests.webui.conftest import text_of

REPORT = {"category": "cosmetic_surgery", "description": "Tiêm filler trái phép tại tầng 2 mỗi tối.",
          "facility_name": "Spa Hoa Hồng", "address": "12 Lê Lợi", "ward": "ward-ben-thanh"}


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (10.0, 46.0, 30.0), 3: "E", 4: (106.0, 41.0, 59.0)}  # GPS position
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def count_cases(factory) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(Case))


def submit(client, extra=None, files=None, key="k-1"):
    data = {**REPORT, "submission_key": key, **(extra or {})}
    if files:
        data["files"] = files
    return client.post("/report", data=data, content_type="multipart/form-data")


def tracking_code(client) -> str:
    html = client.get("/report/done").get_data(as_text=True)
    return re.search(r'id="tracking-code">([A-Z0-9-]+)<', html).group(1)


def test_the_landing_page_offers_report_and_track(browser):
    html = browser.get("/").get_data(as_text=True)
    assert 'href="/report"' in html and 'href="/track"' in html


def test_report_form_has_the_categories_wards_files_and_contact_fields(browser):
    html = browser.get("/report").get_data(as_text=True)
    for needle in ('name="category"', 'name="ward"', "Phường Bến Thành", 'name="files"', 'name="phone"',
                   'name="anonymous"', 'name="submission_key"', 'name="website"'):
        assert needle in html


def test_the_ward_picker_offers_every_official_unit_by_name_and_searches_as_you_type(browser, factory):
    with transaction(factory) as session:
        units.import_wards(session, 79, actor="admin")
    html = browser.get("/report").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="ward".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select_html)
    assert len(options) == 168  # a plain <select>: works without JavaScript
    assert ("ward-ben-thanh", "Phường Bến Thành") in options and ("zone-con-dao", "Đặc khu Côn Đảo") in options
    assert "UBND" not in select_html  # the unit's name, not its committee
    assert "/static/ward-picker.js" in html and 'data-ward-search="' in html  # search-as-you-type, from a file
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline script (the CSP forbids it)


def test_the_ward_picker_script_is_served(browser):
    response = browser.get("/static/ward-picker.js")
    body = response.get_data()
    response.close()
    assert response.status_code == 200 and b"normalize('NFD')" in body


def test_a_report_names_its_ward_by_the_unit_code_and_the_tracking_page_by_its_name(browser, factory):
    with transaction(factory) as session:
        units.import_wards(session, 79, actor="admin")
    assert submit(browser, {"ward": "commune-can-gio"}).status_code == 302
    with transaction(factory) as session:
        case = session.scalars(select(Case)).one()
        assert case.ward == "commune-can-gio"
    page = browser.get(f"/track?code={tracking_code(browser)}").get_data(as_text=True)
    assert "12 Lê Lợi, Xã Cần Giờ" in page and "UBND" not in page


def test_a_deactivated_ward_is_not_offered_and_a_report_for_it_is_refused(browser, factory):
    with transaction(factory) as session:
        units.set_active(session, "admin", "ward-tan-dinh", False)
    assert 'value="ward-tan-dinh"' not in browser.get("/report").get_data(as_text=True)
    response = submit(browser, {"ward": "ward-tan-dinh"})
    assert response.status_code == 422 and count_cases(factory) == 0


def test_a_citizen_reports_with_a_photo_and_gets_a_tracking_code(browser, factory):
    response = submit(browser, {"name": "Trần Văn B", "phone": "0903 111 222", "email": "b@example.org"},
                      files=[(io.BytesIO(jpeg_with_gps()), "IMG_0001.jpg")])
    assert response.status_code == 302
    code = tracking_code(browser)
    assert re.fullmatch(r"[34679ACDEFGHJKMNPQRTUVWXY]{5}-[34679ACDEFGHJKMNPQRTUVWXY]{5}", code)
    with transaction(factory) as session:
        case = session.scalar(select(Case).where(Case.code == code))
        assert case.reporter == {"name": "Trần Văn B", "phone": "0903 111 222", "email": "b@example.org",
                                 "lang": "vi"}  # the portal language at submission: mails are written in it
        assert case.source == "web"
        photo = session.scalar(select(Attachment).where(Attachment.case_id == case.id))
        assert (photo.filename, photo.content_type) == ("IMG_0001.jpg", "image/jpeg")
        mail = session.scalar(select(OutboxEmail).where(OutboxEmail.to_addr == "b@example.org"))
        assert code in mail.body


def test_the_public_photo_has_no_location_data(browser, app):
    submit(browser, files=[(io.BytesIO(jpeg_with_gps()), "a.jpg")])
    code = tracking_code(browser)
    html = browser.get(f"/track?code={code}").get_data(as_text=True)
    url = re.search(r'src="(/track/photo/[^"]+)"', html).group(1).replace("&amp;", "&")
    served = browser.get(url)
    assert served.status_code == 200
    image = Image.open(io.BytesIO(served.data))
    assert not image.getexif()
    served.close()
    assert browser.get(url.replace(code, "AAAAA-AAAAA")).status_code == 404


def test_anonymous_reports_keep_no_contact(browser, factory):
    submit(browser, {"anonymous": "1", "name": "Không lưu", "phone": "0903111222"})
    code = tracking_code(browser)
    with transaction(factory) as session:
        assert session.scalar(select(Case.reporter).where(Case.code == code)) is None


def test_file_types_are_checked_by_content_not_by_name(browser, factory):
    response = submit(browser, files=[(io.BytesIO(b"MZ\x90\x00 this is a program"), "photo.jpg")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="files-error"' in html and "photo.jpg" in html
    assert 'value="Spa Hoa Hồng"' in html  # nothing typed is lost
    assert count_cases(factory) == 0


def test_a_photo_name_keeps_no_control_or_direction_character(browser, factory):
    """"photo\u202egpj.exe" displays as "photoexe.jpg": the override is taken out, so the name reads as sent."""
    response = submit(browser, files=[(io.BytesIO(jpeg_with_gps()), "a\x01\x1b[31mb\u202egpj.exe.jpg")])
    assert response.status_code == 302
    with transaction(factory) as session:
        case = session.scalar(select(Case).where(Case.code == tracking_code(browser)))
        photo = session.scalar(select(Attachment).where(Attachment.case_id == case.id))
        assert photo.filename == "a[31mbgpj.exe.jpg"


def test_a_photo_part_that_arrived_as_text_is_refused_never_dropped(browser, factory):
    """A client that breaks a file part's header (a raw line break in the name) makes the photo arrive as a text
    field: the report is refused with the form kept, not saved without the photo."""
    response = submit(browser, {"files": "\xff\xd8\xff\xe0 bytes of a photo"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="files-error"' in html and "Một tệp gửi đến bị hỏng" in html
    assert 'value="Spa Hoa Hồng"' in html  # nothing typed is lost
    assert count_cases(factory) == 0


@pytest.mark.parametrize(("old", "new", "reason"), [
    ('set_status("received")', 'set_status("zzz")', "status phải là một trong các giá trị closed,"),
    ("screening_reminder_at = hours_after(received_at, screening_reminder_hours)", "screening_reminder_at = 1",
     "giá trị của bộ hẹn giờ phải là văn bản ISO-8601"),  # over a limit on diagrams: was an error page, the form lost
])
def test_a_procedure_that_fails_on_every_report_is_never_blamed_on_the_citizen(browser, factory, caplog, as_user,
                                                                                old, new, reason):
    """A deployed diagram whose start always fails (a status that does not exist; a timer variable set to a
    number, which goes over a limit on diagrams): the report is not saved, the form comes back with everything
    typed, the page says the fault is the department's, and the administrators see it on the Incidents page."""
    deploy_main_changed(factory, old, new)  # as an older version, deployed before the deploy checks ran the start
    response = submit(browser)
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "do lỗi trong quy trình của Sở, không phải do thông tin bạn nhập" in html
    assert 'value="Spa Hoa Hồng"' in html and "Vui lòng kiểm tra" not in html
    assert count_cases(factory) == 0
    assert "the procedure failed" in caplog.text  # the operators' log says so
    page = text_of(as_user("admin").get("/admin/incidents"))
    faults = page[page.index("Phản ánh quy trình không mở được hồ sơ"):]
    assert "Cổng phản ánh trên web" in faults and reason in faults, faults


def test_a_broken_image_is_refused_and_leaves_nothing_behind(browser, factory, app):
    from pathlib import Path

    fake = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
    response = submit(browser, files=[(io.BytesIO(fake), "x.jpg")])
    assert response.status_code == 422
    folder = Path(app.config["ATTACHMENTS_DIR"])
    assert not folder.exists() or list(folder.iterdir()) == []
    assert count_cases(factory) == 0


def test_invalid_fields_are_shown_with_input_kept(browser, factory):
    response = submit(browser, {"description": "ngắn", "ward": "nowhere", "email": "not-an-address"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="r-description-error"' in html
    assert 'value="not-an-address"' in html
    assert count_cases(factory) == 0


def test_an_unknown_ward_is_refused(browser, factory):
    response = submit(browser, {"ward": "ward-atlantis"})
    assert response.status_code == 422
    assert count_cases(factory) == 0


def test_the_honeypot_refuses_bots_with_a_message(browser, factory):
    response = submit(browser, {"website": "http://spam.example"})
    assert response.status_code == 422 and 'id="form-errors"' in response.get_data(as_text=True)
    assert count_cases(factory) == 0


def test_a_double_submitted_form_creates_one_case(browser, factory):
    submit(browser, key="same-key")
    first = tracking_code(browser)
    submit(browser, key="same-key")
    assert tracking_code(browser) == first
    assert count_cases(factory) == 1


def test_a_similar_open_report_gets_a_duplicate_hint(browser, drive, factory):
    submit(browser, key="one")
    first = tracking_code(browser)
    submit(browser, {"facility_name": "Spa Hoa Hong", "description": "Lại thấy tiêm filler ở Spa Hoa Hồng."},
           key="two")
    html = browser.get("/report/done").get_data(as_text=True)
    assert 'id="duplicate-hint"' in html and first not in html  # another case's code is never revealed
    second = tracking_code(browser)
    with transaction(factory) as session:
        assert session.scalar(select(Case.duplicate_of).where(Case.code == second)) == first


def test_submissions_are_rate_limited_per_ip(browser, factory, monkeypatch):
    monkeypatch.setenv("RR_LIMIT_SUBMIT", "2/minute")
    assert submit(browser, key="a").status_code == 302
    assert submit(browser, key="b").status_code == 302
    refused = submit(browser, key="c")
    assert refused.status_code == 429
    assert count_cases(factory) == 2


def test_lookups_are_rate_limited_and_unknown_codes_are_a_clear_404(browser, monkeypatch):
    monkeypatch.setenv("RR_LIMIT_LOOKUP", "3/minute")
    assert browser.get("/track").status_code == 200
    missing = browser.get("/track?code=AAAAA-AAAAA")
    assert missing.status_code == 404 and 'id="lookup-error"' in missing.get_data(as_text=True)
    browser.get("/track?code=AAAAA-AAAAA")
    assert browser.get("/track?code=AAAAA-AAAAA").status_code == 429


def publish(drive, case_id):
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra đột xuất"})
    drive.do("inspectorate", case_id, "enter_result", {
        "findings": "Cơ sở tiêm filler không có giấy phép.", "measures": ["fine"], "fine_amount": 20000000,
        "citizen_summary": "Cơ sở đã bị xử phạt 20 triệu đồng và đình chỉ dịch vụ tiêm."})
    drive.do("inspector", case_id, "verify_result", {"verification": "accept"})


def test_tracking_shows_public_steps_deadline_and_result_but_never_staff_or_contact(browser, drive, factory):
    submit(browser, {"name": "Trần Văn B", "phone": "0903111222"})
    code = tracking_code(browser)
    with transaction(factory) as session:
        case_id = session.scalar(select(Case.id).where(Case.code == code))
    html = browser.get(f"/track?code={code.lower()}").get_data(as_text=True)
    assert 'data-step="received"' in html and 'id="track-result"' not in html
    publish(drive, case_id)
    html = browser.get(f"/track?code={code}").get_data(as_text=True)
    for step in ("received", "classified", "in_handling", "result_published"):
        assert f'data-step="{step}"' in html
    assert "đình chỉ dịch vụ tiêm" in html  # the published summary
    for secret in ("Trần Văn B", "0903111222", "inspectorate", "Cơ sở tiêm filler không có giấy phép", "20000000"):
        assert secret not in html


def test_the_citizen_rates_the_result_and_the_case_closes(browser, drive, factory):
    submit(browser)
    code = tracking_code(browser)
    with transaction(factory) as session:
        case_id = session.scalar(select(Case.id).where(Case.code == code))
    publish(drive, case_id)
    assert 'id="feedback"' in browser.get(f"/track?code={code}").get_data(as_text=True)
    bad = browser.post("/track/feedback", data={"code": code, "resolved": "true", "rating": "9"})
    assert bad.status_code == 422 and 'id="fb-rating-error"' in bad.get_data(as_text=True)
    ok = browser.post("/track/feedback", data={"code": code, "resolved": "true", "rating": "5",
                                               "feedback_comment": "Cảm ơn"})
    assert ok.status_code == 302
    assert drive.case(case_id).status == "closed"
    again = browser.post("/track/feedback", data={"code": code, "resolved": "true", "rating": "4"})
    assert again.status_code == 302  # explained, nothing changes


def test_not_resolved_starts_the_dispute_path(browser, drive, factory):
    submit(browser)
    code = tracking_code(browser)
    with transaction(factory) as session:
        case_id = session.scalar(select(Case.id).where(Case.code == code))
    publish(drive, case_id)
    browser.post("/track/feedback", data={"code": code, "resolved": "false", "rating": "1",
                                          "feedback_comment": "Vẫn còn tiêm"})
    assert drive.case(case_id).status == "disputed"
    assert drive.task_names(case_id) == ["review_dispute"]
    assert 'data-step="disputed"' in browser.get(f"/track?code={code}").get_data(as_text=True)


@pytest.mark.parametrize("code", ["", "x" * 500, "<script>", "AAAAA-AAAAA"])
def test_feedback_for_unknown_codes_is_refused_cleanly(browser, code):
    assert browser.post("/track/feedback", data={"code": code, "rating": "5"}).status_code == 404
