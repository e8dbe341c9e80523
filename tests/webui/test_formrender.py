"""Task forms rendered as plain HTML forms (no JavaScript) and submitted forms read back as typed data."""
from __future__ import annotations

import json

import lxml.html
import pytest
from werkzeug.datastructures import MultiDict

from forms import FORMS_DIR, load_form, validate_form_data
from webui.formrender import NOT_INTEGER, NOT_NUMBER, parse_submission, render_fields, summarize

FORM_NAMES = sorted(path.stem for path in FORMS_DIR.glob("*.json"))
UNITS = [("phuong-ben-nghe", "UBND phường Bến Nghé"), ("inspectorate", "Thanh tra Sở")]
AGENCIES = [("police", "Công an"), ("market-mgmt", "Quản lý thị trường"), ("tax", "Thuế")]
OPTIONS = {"handling_unit": UNITS, "reassign_to": UNITS, "agencies": AGENCIES}
EXAMPLES = {  # valid data for every form, as a user could enter it in the browser
    "acknowledge_request": {"acknowledged_by": "Đại úy Nguyễn Văn A", "ack_note": "Đã nhận\nSẽ cử cán bộ"},
    "answer_agency_question": {"question_answer": "Đã gửi danh sách cơ sở", "question_answer_ref": "CV 9/TTS"},
    "answer_information_request": {"request_answer": "Không có hóa đơn\nĐính kèm biên bản", "answered_by": "Ông B",
                                   "answer_document_ref": "CV 7/QLTT"},
    "confirm_joint_inspection": {"attendance": "decline", "decline_reason": "Lực lượng đang làm nhiệm vụ khác"},
    "confirm_minutes": {"minutes_agreed": False, "minutes_comment": "Bổ sung số học viên"},
    "coordinate": {"action": "joint_inspection", "inspection_at": "2026-11-27T08:00:00+07:00",
                   "inspection_place": "12 Lê Lợi", "inspection_agencies": ["police", "labour"]},
    "record_minutes": {"minutes_ref": "BB 01/TTLN", "minutes_summary": "Kiểm tra đột xuất\nCó 12 học viên",
                       "inspection_findings": "Không có giấy phép", "evidence_note": "Ảnh chụp"},
    "refer_to_police": {"referral_ref": "CV 45/TTS", "referred_to": "PC02 Công an Thành phố"},
    "citizen_feedback": {"resolved": False, "rating": 2, "feedback_comment": "Cơ sở vẫn hoạt động"},
    "classify": {"level": 3, "handling_unit": "inspectorate", "agencies": ["police", "market-mgmt"],
                 "classification_note": "Cần phối hợp công an"},
    "confirm_in_writing": {"written_confirmation_ref": "CV 123/QLTT", "confirmed_on": "2026-11-26"},
    "contribute_findings": {"agency_findings": "Hàng không rõ nguồn gốc", "urgent_phone_contact": True,
                            "phone_contact_summary": "Gọi điện khẩn lúc 21h"},
    "enter_result": {"findings": "Tiêm filler không phép", "measures": ["fine", "suspension"],
                     "fine_amount": 50_000_000, "evidence_note": "Biên bản số 12", "citizen_summary": "Đã xử phạt"},
    "report_review": {"acknowledged": True, "review_comment": "Đã xem\nTập trung các ca quá hạn"},
    "report": {"category": "unlicensed_clinic", "description": "Phòng khám hoạt động khi đang bị đình chỉ",
               "facility_name": "Phòng khám ABC", "address": "12 Lê Lợi", "ward": "phuong-ben-nghe",
               "observed_at": "2026-11-24T19:45:00+07:00"},
    "review_dispute": {"dispute_decision": "reopen", "dispute_note": "Kiểm tra lại"},
    "review_overdue": {"leadership_decision": "reassign", "reassign_to": "phuong-ben-nghe", "leadership_note": "Gấp"},
    "screen": {"screening_outcome": "duplicate", "screening_reason": "Đã có hồ sơ", "duplicate_of": "ABCDE-FGHJK"},
    "start_handling": {"handling_plan": "Kiểm tra đột xuất", "planned_inspection_at": "2026-11-25T13:00:00+07:00"},
    "verify_result": {"verification": "reject", "verification_comment": "Thiếu biên bản"},
}


def page(html) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<form>{html}</form>")


def browser_submission(html) -> MultiDict:
    """What a browser posts from the rendered form: the successful controls, textarea lines ending in CR LF."""
    pairs = []
    for control in page(html).iter("input", "select", "textarea"):
        name = control.get("name")
        if control.tag == "textarea":
            pairs.append((name, (control.text or "").replace("\n", "\r\n")))
        elif control.tag == "select":
            options = control.findall("option")
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            pairs += [(name, o.get("value")) for o in chosen]
        elif control.get("type") in ("radio", "checkbox"):
            if control.get("checked") is not None:
                pairs.append((name, control.get("value", "on")))
        else:
            pairs.append((name, control.get("value", "")))
    return MultiDict(pairs)


def control(html, control_id: str) -> lxml.html.HtmlElement:
    return page(html).get_element_by_id(control_id)


def test_there_is_an_example_for_every_form_and_each_is_valid():
    assert sorted(EXAMPLES) == FORM_NAMES
    for name, data in EXAMPLES.items():
        assert validate_form_data(load_form(name), data) == {}, name


@pytest.mark.parametrize("name", FORM_NAMES)
def test_every_form_renders_a_labelled_control_for_each_field(name):
    schema = load_form(name)
    root = page(render_fields(schema, options=OPTIONS))
    for field in schema["properties"]:
        first = root.get_element_by_id(f"f-{field}")
        assert first.get("name") == field
        assert root.xpath(f"//label[@for='f-{field}'] | //fieldset[.//*[@id='f-{field}']]/legend"), field


@pytest.mark.parametrize("options", [OPTIONS, None], ids=["with unit options", "without options"])
@pytest.mark.parametrize("name", FORM_NAMES)
def test_submitting_the_rendered_form_unchanged_gives_back_the_same_data(name, options):
    schema, data = load_form(name), EXAMPLES[name]
    html = render_fields(schema, data, options=options)
    posted = browser_submission(html)
    posted.add("csrf_token", "token")
    posted.add("row_version", "3")
    assert parse_submission(schema, posted) == (data, {})


def test_an_empty_form_posts_nothing_so_the_validator_reports_the_required_fields():
    schema = load_form("enter_result")
    data, errors = parse_submission(schema, browser_submission(render_fields(schema)))
    assert (data, errors) == ({}, {})
    assert set(validate_form_data(schema, data)) == {"findings", "measures", "citizen_summary"}


def test_unknown_keys_and_blank_text_are_left_out():
    posted = MultiDict([("csrf_token", "x"), ("action", "submit"), ("findings", "   \r\n "), ("evidence_note", " a ")])
    assert parse_submission(load_form("enter_result"), posted) == ({"evidence_note": "a"}, {})


@pytest.mark.parametrize(("typed", "expected"), [
    ("15000000", 15_000_000), ("15,000,000", 15_000_000), ("15 000 000", 15_000_000), ("2500.5", 2500.5),
    (" 7 ", 7), ("15.000.000", 15_000_000), ("500.000", 500_000), ("500,000", 500_000), ("2,5", 2.5),
    ("1.500.000,5", 1_500_000.5), ("1,500,000.5", 1_500_000.5), ("0.500", 0.5), ("5.", 5.0)])
def test_an_amount_may_be_typed_with_thousands_separators(typed, expected):
    """The Vietnamese way (1.500.000, 2,5) and the English way (1,500,000, 2.5), whatever the page's language:
    500.000 đồng is never read as 500."""
    data, errors = parse_submission(load_form("enter_result"), MultiDict({"fine_amount": typed}))
    assert errors == {} and data["fine_amount"] == expected and type(data["fine_amount"]) is type(expected)


@pytest.mark.parametrize("typed", ["abc", "1e6", "12-3", "1.50.000", "1,5,5", "1.500,000.5", "٣", "１０"])
def test_an_amount_that_is_not_a_number_is_reported_on_its_field(typed):
    data, errors = parse_submission(load_form("enter_result"), MultiDict({"fine_amount": typed}))
    assert errors == {"fine_amount": NOT_NUMBER}
    assert data["fine_amount"] == typed  # kept, so the form shows it again


@pytest.mark.parametrize("typed", ["abc", "2.5", "3 sao"])
def test_a_rating_must_be_a_whole_number(typed):
    _, errors = parse_submission(load_form("citizen_feedback"), MultiDict({"rating": typed}))
    assert errors == {"rating": NOT_INTEGER}


@pytest.mark.parametrize(("posted", "expected"), [("true", True), ("false", False), ("on", True)])
def test_yes_no_answers_become_booleans(posted, expected):
    data, _ = parse_submission(load_form("citizen_feedback"), MultiDict({"resolved": posted}))
    assert data == {"resolved": expected}


def test_an_unanswered_yes_no_question_is_left_for_the_validator_to_call_required():
    schema = load_form("citizen_feedback")
    data, errors = parse_submission(schema, MultiDict({"rating": "4"}))
    assert (data, errors) == ({"rating": 4}, {})
    assert "resolved" in validate_form_data(schema, data)


def test_a_local_date_and_time_is_stored_with_the_ho_chi_minh_offset_and_shown_back_in_local_time():
    schema = load_form("start_handling")
    posted = MultiDict({"handling_plan": "x", "planned_inspection_at": "2026-11-25T14:30"})
    data, errors = parse_submission(schema, posted)
    assert errors == {} and data["planned_inspection_at"] == "2026-11-25T14:30:00+07:00"
    shown = control(render_fields(schema, {"planned_inspection_at": "2026-11-25T07:30:00Z"}), "f-planned_inspection_at")
    assert (shown.get("type"), shown.get("value")) == ("datetime-local", "2026-11-25T14:30")


def test_a_time_with_an_offset_passes_through_and_a_malformed_one_is_reported():
    schema = load_form("start_handling")
    data, _ = parse_submission(schema, MultiDict({"planned_inspection_at": "2026-11-26T02:00:00Z"}))
    assert data["planned_inspection_at"] == "2026-11-26T02:00:00Z"
    _, errors = parse_submission(schema, MultiDict({"planned_inspection_at": "hôm qua"}))
    assert list(errors) == ["planned_inspection_at"]


def test_a_list_without_offered_options_is_entered_one_item_per_line():
    schema = load_form("classify")
    field = control(render_fields(schema, {"agencies": ["police", "tax"]}), "f-agencies")
    assert field.tag == "textarea" and field.text == "police\ntax"
    data, _ = parse_submission(schema, MultiDict({"agencies": "police\r\n\r\n  tax \r\n"}))
    assert data["agencies"] == ["police", "tax"]


def test_coordinating_agencies_are_checkboxes_when_offered():
    html = render_fields(load_form("classify"), {"agencies": ["tax"]}, options=OPTIONS)
    boxes = page(html).xpath("//input[@name='agencies']")
    assert [(b.get("type"), b.get("value"), b.get("checked") is not None) for b in boxes] == [
        ("checkbox", "police", False), ("checkbox", "market-mgmt", False), ("checkbox", "tax", True)]
    assert parse_submission(load_form("classify"), browser_submission(html))[0]["agencies"] == ["tax"]


def test_the_handling_unit_is_chosen_from_the_offered_units():
    html = render_fields(load_form("classify"), {"handling_unit": "inspectorate"}, options=OPTIONS)
    select = control(html, "f-handling_unit")
    assert select.tag == "select" and select.get("required") is not None
    options = [(o.get("value"), o.text, o.get("selected") is not None) for o in select.findall("option")]
    assert options[0][0] == "" and options[1:] == [("phuong-ben-nghe", "UBND phường Bến Nghé", False),
                                                   ("inspectorate", "Thanh tra Sở", True)]


def test_a_unit_no_longer_offered_is_kept_rather_than_silently_changed():
    select = control(render_fields(load_form("classify"), {"handling_unit": "old-ward"}, options=OPTIONS),
                     "f-handling_unit")
    assert [o.get("value") for o in select.findall("option") if o.get("selected") is not None] == ["old-ward"]


def test_few_choices_are_radios_and_many_are_a_select_with_an_empty_first_choice():
    radios = page(render_fields(load_form("classify"))).xpath("//input[@name='level']")
    assert [(r.get("type"), r.get("value")) for r in radios] == [("radio", "1"), ("radio", "2"), ("radio", "3")]
    select = control(render_fields(load_form("report")), "f-category")
    assert select.tag == "select" and select.findall("option")[0].get("value") == ""
    assert len(select.findall("option")) == 9


def test_only_unconditionally_required_fields_are_marked_required():
    root = page(render_fields(load_form("verify_result")))
    assert all(r.get("required") is not None for r in root.xpath("//input[@name='verification']"))
    assert root.get_element_by_id("f-verification_comment").get("required") is None
    assert len(root.xpath("//span[@class='text-danger']")) == 1


def test_widgets_follow_the_field_type():
    root = page(render_fields(load_form("citizen_feedback")))
    rating = root.get_element_by_id("f-rating")
    assert (rating.get("type"), rating.get("step"), rating.get("min"), rating.get("max")) == ("number", "1", "1", "5")
    assert [r.text for r in root.xpath("//fieldset//label")] == ["Có", "Không"]
    assert root.get_element_by_id("f-feedback_comment").tag == "textarea"
    ref = control(render_fields(load_form("confirm_in_writing")), "f-written_confirmation_ref")
    assert (ref.tag, ref.get("type"), ref.get("maxlength")) == ("input", "text", "200")
    assert control(render_fields(load_form("enter_result")), "f-fine_amount").get("step") == "any"


def test_errors_are_shown_at_their_field_and_what_the_user_typed_is_kept():
    schema = load_form("enter_result")
    posted = MultiDict([("findings", "Cơ sở đóng cửa"), ("measures", "fine"), ("fine_amount", "năm triệu")])
    values, errors = parse_submission(schema, posted)
    errors |= {"measures/1": "Có mục bị trùng (duplicate items)", "": "Whole form problem"}
    html = render_fields(schema, values, errors)
    root = page(html)
    amount = root.get_element_by_id("f-fine_amount")
    assert "is-invalid" in amount.get("class") and amount.get("value") == "năm triệu"
    assert "f-fine_amount-error" in amount.get("aria-describedby").split()
    assert root.get_element_by_id("f-fine_amount-error").text == NOT_NUMBER
    assert root.get_element_by_id("f-measures-error").text == "Có mục bị trùng (duplicate items)"
    assert root.get_element_by_id("f-findings").text == "Cơ sở đóng cửa"
    assert [b.get("value") for b in root.xpath("//input[@name='measures'][@checked]")] == ["fine"]
    assert "Whole form problem" not in html and "is-invalid" not in root.get_element_by_id("f-findings").get("class")


def test_user_input_and_messages_are_escaped():
    script = "<script>alert(1)</script>"
    schema = load_form("review_overdue")
    html = render_fields(schema, {"leadership_note": script, "reassign_to": script}, {"leadership_note": script},
                         options={"reassign_to": [("x\" onfocus=\"alert(1)", script)]})
    assert "<script>" not in html and "&lt;script&gt;" in html and '" onfocus' not in html
    assert control(html, "f-leadership_note").text == script


def test_english_labels_help_and_yes_no():
    root = page(render_fields(load_form("contribute_findings"), lang="en"))
    assert root.xpath("//label[@for='f-agency_findings']")[0].text.strip() == "Agency findings"
    assert root.get_element_by_id("f-urgent_phone_contact-help").text == "If so, it must be confirmed in writing."
    assert [r.text for r in root.xpath("(//fieldset)[1]//label")] == ["Yes", "No"]
    assert root.xpath("//legend")[0].text.strip() == "Urgent contact by phone or e-mail"


def test_a_summary_shows_labels_and_readable_values_for_the_case_timeline():
    data = {"level": 3, "handling_unit": "inspectorate", "agencies": ["police", "tax"], "extra": "x"}
    assert summarize(load_form("classify"), data, options=OPTIONS) == [
        ("Cấp độ", "Cấp 3 — Thanh tra Sở phối hợp liên ngành"), ("Đơn vị xử lý", "Thanh tra Sở"),
        ("Cơ quan phối hợp", "Công an, Thuế"), ("extra", "x")]
    result = summarize(load_form("enter_result"), {"measures": ["fine", "warning"], "fine_amount": 15_000_000},
                       lang="en")
    assert result == [("Measures", "Fine, Warning"), ("Fine amount (VND)", "15,000,000")]


def test_a_summary_shows_yes_no_and_times_in_ho_chi_minh_city():
    assert summarize(load_form("contribute_findings"), {"urgent_phone_contact": False}) == [
        ("Đã trao đổi khẩn qua điện thoại/e-mail", "Không")]
    assert summarize(load_form("start_handling"), {"planned_inspection_at": "2026-11-26T02:00:00Z"}, lang="en") == [
        ("Planned inspection time", "26/11/2026 09:00")]


def test_a_summary_without_a_schema_still_shows_every_key():
    data = {"decision": "ok", "flag": True, "nested": {"a": 1}}
    assert summarize({}, data) == [("decision", "ok"), ("flag", "Có"), ("nested", json.dumps({"a": 1}))]


def test_a_field_shown_only_when_required_names_the_answers_that_require_it():
    coordinate = load_form("coordinate")
    root = lxml.html.fromstring(f"<form>{render_fields(coordinate)}</form>")
    boxes = {box.xpath(".//*[@name]")[0].get("name"): json.loads(box.get("data-shown-when"))
             for box in root.xpath("//div[@data-shown-when]")}
    assert boxes["invited_agency"] == {"action": ["invite_agency"]}
    assert boxes["answer_hours"] == {"action": ["information_request"]}
    assert boxes["inspection_agencies"] == {"action": ["joint_inspection"]}
    assert "coordination_note" not in boxes and "action" not in boxes  # always shown
    assert root.xpath("//label[@for='f-invited_agency']/span[@class='text-danger']")  # required whenever shown
    assert not root.xpath("//*[@id='f-invited_agency'][@required]")  # but not for the browser to demand
    # booleans and checkbox groups: the value as the form posts it
    assert json.loads(lxml.html.fromstring(render_fields(load_form("contribute_findings"))).xpath(
        "//div[@data-shown-when]")[0].get("data-shown-when")) == {"urgent_phone_contact": ["true"]}
    enter_result = lxml.html.fromstring(f"<form>{render_fields(load_form('enter_result'))}</form>")
    assert json.loads(enter_result.xpath("//div[@data-shown-when]")[0].get("data-shown-when")) == {
        "measures": ["fine"]}
    # a duplicate's tracking code, a reassignment's unit; the screening reason is asked for whatever the outcome
    for form, field, shown_when in (("screen", "duplicate_of", {"screening_outcome": ["duplicate"]}),
                                    ("review_overdue", "reassign_to", {"leadership_decision": ["reassign"]})):
        page = lxml.html.fromstring(f"<form>{render_fields(load_form(form))}</form>")
        assert {box.xpath(".//*[@name]")[0].get("name"): json.loads(box.get("data-shown-when"))
                for box in page.xpath("//div[@data-shown-when]")} == {field: shown_when}


def test_a_field_is_shown_whenever_its_rule_is_not_one_the_page_can_follow():
    schema = {"type": "object", "properties": {
        "question": {"type": "string"}, "hours": {"type": "integer", "x-only-when-required": True},
        "plain": {"type": "string"}},
        "allOf": [{"if": {"properties": {"question": {"minLength": 1}}, "required": ["question"]},
                   "then": {"required": ["hours"]}},
                  {"if": {"properties": {"question": {"const": "x"}}}, "then": {"required": ["plain"]}}]}
    assert "data-shown-when" not in render_fields(schema)  # a length test; and "plain" is not marked


@pytest.mark.parametrize(("typed", "stored", "vietnamese"), [("0,00001", 1e-05, "0,00001"),
                                                            ("0,0000000001", 1e-10, "0,0000000001"),
                                                            ("1234567,5", 1234567.5, "1.234.567,5")])
def test_a_tiny_or_large_number_reads_back_as_written_never_in_scientific_notation(typed, stored, vietnamese):
    """A fine of 0,00001 was shown as "1e-05", and the form filled again with it could not be sent."""
    schema = {"type": "object", "properties": {"fine": {"type": "number", "title": "Tiền phạt"}}}
    values, errors = parse_submission(schema, {"fine": typed})
    assert (values, errors) == ({"fine": stored}, {})
    again = lxml.html.fromstring("".join(str(f) for f in render_fields(schema, values, {}, lang="vi")))
    shown = again.xpath("//input[@name='fine']/@value")[0]
    assert "e" not in shown and parse_submission(schema, {"fine": shown}) == ({"fine": stored}, {})
    assert [text for _label, text in summarize(schema, values, lang="vi")] == [vietnamese]
