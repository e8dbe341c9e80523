"""No 500 from input: every parameter is parsed with explicit bounds, and a value outside them is a clear 400
(or 404 for an id that cannot exist) naming the parameter. The first tests are the 500s found in issue 11."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from engine import citizen
from engine.db import transaction
from engine.models import Case, CaseEvent, CaseNote
from webui import params
from webui.i18n import LOCAL_TZ

API = "/open311/v2"
HUGE = "99999999999999999999"  # 20 digits: more than any database integer column holds


@pytest.fixture
def api_key(factory) -> str:
    with transaction(factory) as session:
        return citizen.register_client(session, "city-portal", "tests")


def open311_error(response) -> str:
    body = response.get_json()
    assert isinstance(body, list) and body[0]["code"] == response.status_code
    return body[0]["description"]


# --- the 500s reproduced in issue 11 ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["start_date", "end_date"])
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_search_date_at_the_edge_of_the_calendar_is_a_400_naming_the_parameter(browser, api_key, name, value):
    response = browser.get(f"{API}/requests.json?api_key={api_key}&{name}={quote(value)}")
    assert response.status_code == 400
    assert open311_error(response).startswith(f"{name}: a date-time in the years 2000")


def test_an_observed_time_out_of_range_is_refused_when_posting(browser, api_key, monkeypatch):
    monkeypatch.setenv("RR_LIMIT_SUBMIT", "100/minute")
    response = browser.post(f"{API}/requests.json", data={
        "api_key": api_key, "service_code": "cosmetic_surgery", "address_string": "12 Lê Lợi",
        "attribute[ward]": "ward-ben-thanh", "attribute[observed_at]": "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 400
    assert open311_error(response).startswith("attribute[observed_at]:")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "green").save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize("code", ["é", "%C3%A9", "K7QXM-3TFRA%00", "A" * 21])
def test_a_photo_asked_for_with_a_malformed_tracking_code_is_a_400(browser, code):
    browser.post("/report", content_type="multipart/form-data", data={
        "category": "cosmetic_surgery", "description": "Tiêm filler trái phép.", "address": "12 Lê Lợi",
        "ward": "ward-ben-thanh", "submission_key": "k-photo", "files": [(io.BytesIO(_jpeg()), "a.jpg")]})
    html = browser.get("/report/done").get_data(as_text=True)
    real = re.search(r'id="tracking-code">([A-Z0-9-]+)<', html).group(1)
    track = browser.get(f"/track?code={real}").get_data(as_text=True)
    photo_url = re.search(r'src="(/track/photo/\d+)\?', track).group(1)
    response = browser.get(f"{photo_url}?code={code}")
    assert response.status_code == 400
    assert "“code”:" in response.get_data(as_text=True)
    served = browser.get(f"{photo_url}?code={real}")  # the right code still works
    assert served.status_code == 200
    served.close()


def test_a_case_list_page_beyond_any_number_is_a_400(as_user):
    intake = as_user("intake")
    response = intake.get(f"/cases/?page={HUGE}")
    assert response.status_code == 400
    assert "“page”: một số nguyên từ 1 đến" in response.get_data(as_text=True)  # the page's language
    for page in ("0", "-1", "two", "1e3"):
        assert intake.get(f"/cases/?page={page}").status_code == 400, page
    assert intake.get("/cases/?page=2").status_code == 200


# --- ids in URLs and forms -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [f"/cases/{HUGE}", f"/cases/{HUGE}/diagram.bpmn", f"/cases/attachments/{HUGE}",
                                 f"/cases/{2**31}", f"/track/photo/{HUGE}?code=K7QXM-3TFRA"])
def test_an_id_too_large_for_the_database_is_a_404_like_any_unknown_one(as_user, url):
    assert as_user("intake").get(url).status_code == 404


def test_the_largest_possible_id_is_simply_not_found(as_user):
    assert as_user("intake").get(f"/cases/{2**31 - 1}").status_code == 404


def test_comparing_versions_with_an_impossible_number_is_a_400(as_user):
    response = as_user("owner").get(f"/studio/diff?a={HUGE}&b=1")
    assert response.status_code == 400
    assert "“a”: một số nguyên" in response.get_data(as_text=True)


# --- the parsers themselves ------------------------------------------------------------------------------

def test_whole_numbers_are_digits_within_bounds():
    args = MultiDict({"page": "7", "big": HUGE, "neg": "-3", "plus": "+3", "space": " 12 ", "uni": "١٢"})
    assert params.int_arg(args, "page", 1, minimum=1, maximum=10) == 7
    assert params.int_arg(args, "missing", 1) == 1
    assert params.int_arg(args, "space", 1) == 12
    for name in ("big", "neg", "plus", "uni"):
        with pytest.raises(params.BadParameter) as error:
            params.int_arg(args, name, 1, minimum=1, maximum=10)
        assert error.value.code == 400 and error.value.description.startswith(f"{name}: a whole number")


def test_date_times_are_bounded_and_take_the_local_zone_when_none_is_given():
    assert params.parse_datetime("d", "2026-11-23T08:00:00", LOCAL_TZ) == datetime(2026, 11, 23, 1, tzinfo=UTC)
    assert params.parse_datetime("d", "2026-11-23T08:00:00 07:00", UTC) == datetime(2026, 11, 23, 1, tzinfo=UTC)
    assert params.parse_datetime("d", "2000-01-01T00:00:00+14:00", UTC).astimezone(UTC).year == 1999
    for raw in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1999-12-31", "2100-01-01",
                "2026-11-23T08:00:00" + "0" * 40, "2026-11-23\x00", "yesterday"):
        with pytest.raises(params.BadParameter):
            params.parse_datetime("d", raw, LOCAL_TZ)


def test_texts_are_bounded_and_free_of_control_characters():
    pattern = re.compile(r"^[A-Z]+$")
    assert params.parse_text("q", "  ABC ", max_length=5, pattern=pattern) == "ABC"
    assert params.parse_text("q", "", max_length=5, pattern=pattern) == ""
    for raw in ("ABCDEF", "AB\x00", "ab", "É"):
        with pytest.raises(params.BadParameter):
            params.parse_text("q", raw, max_length=5, pattern=pattern)


@pytest.mark.parametrize("value", [HUGE, "²", "-1", ""])
def test_claiming_with_an_impossible_case_number_is_refused_cleanly(as_user, value):
    response = as_user("intake").post("/inbox/claim", data={"case_id": value, "task_id": "x"})
    assert response.status_code == 422


# --- date-times in forms ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00", "9999-12-31T23:59:59-14:00",
                                   "9999-12-31T23:59", "1999-12-31T23:59"])
def test_a_report_seen_at_the_edge_of_the_calendar_is_a_field_error_not_a_500(browser, factory, value, monkeypatch):
    monkeypatch.setenv("RR_LIMIT_SUBMIT", "100/minute")
    response = browser.post("/report", data={
        "category": "cosmetic_surgery", "description": "Tiêm filler trái phép.", "address": "12 Lê Lợi",
        "ward": "ward-ben-thanh", "observed_at": value, "submission_key": "k-edge"})
    assert response.status_code == 422
    assert 'id="r-observed_at-error"' in response.get_data(as_text=True)


def test_a_report_seen_in_the_future_is_a_field_error(browser, factory, clock, monkeypatch):
    monkeypatch.setenv("RR_LIMIT_SUBMIT", "100/minute")
    tomorrow = (clock.now() + timedelta(days=1)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    response = browser.post("/report", data={
        "category": "cosmetic_surgery", "description": "Tiêm filler trái phép.", "address": "12 Lê Lợi",
        "ward": "ward-ben-thanh", "observed_at": tomorrow, "submission_key": "k-future"})
    assert response.status_code == 422
    assert "Thời điểm phát hiện không thể muộn hơn hiện tại" in response.get_data(as_text=True)
    earlier = (clock.now() - timedelta(hours=3)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    accepted = browser.post("/report", data={
        "category": "cosmetic_surgery", "description": "Tiêm filler trái phép.", "address": "12 Lê Lợi",
        "ward": "ward-ben-thanh", "observed_at": earlier, "submission_key": "k-past"})
    assert accepted.status_code == 302


def test_a_case_page_shows_a_stored_out_of_range_time_as_text(as_user, drive, factory):
    case_id = drive.report()
    with transaction(factory) as session:
        case = session.get(Case, case_id)
        case.report = {**case.report, "observed_at": "0001-01-01T00:00:00+14:00"}
    response = as_user("intake").get(f"/cases/{case_id}")
    assert response.status_code == 200
    assert "0001-01-01T00:00:00+14:00" in response.get_data(as_text=True)


# --- NUL characters: PostgreSQL can neither store nor compare them ---------------------------------------

@pytest.mark.parametrize("url", ["/open311/v2/requests.json?api_key={key}&service_code=a%00b",
                                 "/open311/v2/requests.json?api_key={key}&service_request_id=a%00b",
                                 "/open311/v2/requests/A%00B.json", "/open311/v2/tokens/a%00b.json?api_key={key}",
                                 "/track?code=A%00B"])
def test_a_nul_character_in_a_lookup_is_a_clear_error_on_every_database(browser, api_key, url):
    response = browser.get(url.format(key=api_key))
    assert response.status_code in (400, 422)
    assert "NUL" in response.get_data(as_text=True)


def test_a_nul_character_in_a_staff_form_is_refused_and_nothing_is_saved(as_user, drive, factory):
    case_id = drive.report()
    intake = as_user("intake")
    response = intake.post(f"/cases/{case_id}/notes", data={"body": "ghi chú\x00 ẩn"})
    assert response.status_code == 422
    assert "NUL" in response.get_data(as_text=True)  # "The note was not saved: text with a NUL character..."
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_a_nul_character_kept_in_json_is_refused_like_anywhere_else(as_user, browser, api_key, drive, factory):
    """Text that ends up inside a JSON column (a task's answers, a report's address and facility, the reporter's
    name, an event's reason) is refused as text columns are, not stored as an escaped NUL."""
    case_id = drive.report()
    task = drive.task(case_id, "screen")
    intake = as_user("intake")
    answered = intake.post(f"/cases/{case_id}/tasks/{task.task_id}",
                           data={"screening_outcome": "in_scope", "screening_reason": "có\x00 dấu hiệu"})
    assert answered.status_code == 422 and 'id="f-screening_reason-error"' in answered.get_data(as_text=True)
    assert "NUL" in answered.get_data(as_text=True) and drive.task_names(case_id) == ["screen"]

    with transaction(factory) as session:
        before = session.scalar(select(func.count()).select_from(Case))
    for field in ("address", "facility_name", "name"):
        page = browser.post("/report", data={
            "category": "cosmetic_surgery", "description": "Tiêm filler trái phép tại tầng 2 mỗi tối.",
            "address": "12 Lê Lợi", "ward": "ward-ben-thanh", "facility_name": "Spa", "submission_key": f"k-{field}",
            field: "12\x00 Lê Lợi"})
        assert page.status_code in (400, 422) and "NUL" in page.get_data(as_text=True), field
    api = browser.post("/open311/v2/requests.json", data={
        "api_key": api_key, "service_code": "cosmetic_surgery", "address_string": "12 Lê Lợi",
        "description": "Tiêm filler trái phép tại tầng 2 mỗi tối.", "attribute[ward]": "ward-ben-thanh",
        "attribute[facility_name]": "Spa\x00", "first_name": "An\x00"})
    assert api.status_code == 400 and "NUL" in api.get_data(as_text=True)
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == before

    cancel = as_user("admin").post(f"/admin/incidents/{case_id}/cancel", data={"reason": "gửi\x00 nhầm"})
    assert cancel.status_code == 422 and "NUL" in cancel.get_data(as_text=True)
    assert drive.case(case_id).status != "closed"


def test_control_characters_are_taken_out_of_form_text_so_an_invisible_answer_is_no_answer(
        browser, as_user, drive, factory):
    page = browser.post("/report", data={
        "category": "cosmetic_surgery", "description": "\x01" * 20 + "\u200b" * 10 + "\ufeff" * 10,
        "address": "\x02" * 5 + "\u2060" * 5, "ward": "ward-ben-thanh", "submission_key": "k-invisible"})
    assert page.status_code == 422
    assert 'id="r-description-error"' in page.get_data(as_text=True)
    assert 'id="r-address-error"' in page.get_data(as_text=True)

    case_id = drive.report()
    task = drive.task(case_id, "screen")
    done = as_user("intake").post(f"/cases/{case_id}/tasks/{task.task_id}", data={
        "screening_outcome": "in_scope", "screening_reason": "Có\x1b dấu\x0b hiệu\x7f\tvi phạm\r\nrõ"})
    assert done.status_code == 302
    assert drive.events(case_id).count("task_completed") == 1
    with transaction(factory) as session:
        answers = [e.detail for e in session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "task_completed"))]
    assert answers[0]["data"]["screening_reason"] == "Có dấu hiệu\tvi phạm\nrõ"


def test_direction_overrides_and_c1_controls_are_taken_out_so_a_stored_line_reads_as_typed(
        browser, as_user, drive, factory):
    """U+202E (right-to-left override) makes the rest of a line display backwards; U+2066–2069 isolate and
    U+0080–009F (C1 controls, pasted from badly decoded text) are as invisible. A joiner (U+200D) in an emoji
    and a mark like U+200F are kept: they are how some text is written."""
    page = browser.post("/report", data={
        "category": "cosmetic_surgery", "description": "Tiêm filler \u202egnab\u202c tại tầng 2 mỗi tối\x85.",
        "address": "\u206612 Lê Lợi\u2069", "ward": "ward-ben-thanh", "submission_key": "k-bidi"})
    assert page.status_code == 302
    with transaction(factory) as session:
        case = session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert case.report["description"] == "Tiêm filler gnab tại tầng 2 mỗi tối."
        assert case.report["address"] == "12 Lê Lợi"

    case_id = drive.report()
    task = drive.task(case_id, "screen")
    assert as_user("intake").post(f"/cases/{case_id}/tasks/{task.task_id}", data={
        "screening_outcome": "in_scope", "screening_reason": "\u202eCó\u202c dấu hiệu \U0001F469\u200d\u2695"}
    ).status_code == 302
    with transaction(factory) as session:
        answers = [e.detail for e in session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "task_completed"))]
    assert answers[0]["data"]["screening_reason"] == "Có dấu hiệu \U0001F469\u200d\u2695"


def test_a_route_number_is_written_in_ascii_digits(as_user, drive):
    case_id = drive.report()
    assert as_user("intake").get(f"/cases/{case_id}").status_code == 200
    full_width = "".join(chr(0xFF10 + int(digit)) for digit in str(case_id))  # "１" for 1
    assert as_user("intake").get(f"/cases/{full_width}").status_code == 404


def test_a_form_without_files_larger_than_a_megabyte_is_refused(browser):
    response = browser.post("/report", data={"category": "other", "description": "x" * (1024 * 1024 + 10),
                                             "address": "12 Lê Lợi", "ward": "ward-ben-thanh"})
    assert response.status_code == 413


@pytest.mark.parametrize(("url", "vietnamese", "english"), [
    ("/cases/?page=0", "“page”: một số nguyên từ 1 đến 100000", "“page”: a whole number from 1 to 100000"),
    ("/reports/risk?ward=a%20b", "“ward”: có ký tự không được phép ở đây",
     "“ward”: contains characters that are not allowed here"),
])
def test_a_parameter_out_of_bounds_is_explained_in_the_readers_language(as_user, url, vietnamese, english):
    leader = as_user("leader")
    page = leader.get(url)
    assert page.status_code == 400 and vietnamese in page.get_data(as_text=True)
    leader.post("/lang/en")
    assert english in leader.get(url).get_data(as_text=True)


def test_a_citizen_is_told_in_vietnamese_too(browser):
    page = browser.get("/track/photo/1?code=%25%25")
    assert page.status_code == 400 and "“code”: có ký tự không được phép ở đây" in page.get_data(as_text=True)


@pytest.mark.parametrize("body", [b"body=ok\xff", b"body=ab%FFcd", b"bo%FFdy=x"])
def test_a_form_whose_bytes_are_not_utf8_is_a_400_naming_it_never_a_silent_drop(as_user, create_case, body):
    """Raw bytes emptied the whole form (the note was "required"); %-escaped ones were stored as typed text."""
    intake = as_user("intake")
    case_id = create_case(at="screen")
    refused = intake.post(f"/cases/{case_id}/notes", data=body, content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 400
    assert "không phải văn bản hợp lệ (dữ liệu gửi đến không phải UTF-8)" in refused.get_data(as_text=True)
    kept = intake.post(f"/cases/{case_id}/notes", data=b"body=Ghi ch%C3%BA",
                       content_type="application/x-www-form-urlencoded")
    assert kept.status_code == 302 and "Ghi chú" in intake.get(f"/cases/{case_id}").get_data(as_text=True)
