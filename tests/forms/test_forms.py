"""Task forms: valid Draft 2020-12 schemas, bilingual labels, field-keyed errors, safe loading."""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from engine.messages import MESSAGES
from forms import FORMS_DIR, FormNotFound, load_form, validate_form_data

TASK_FORMS = ["screen", "classify", "start_handling", "acknowledge_request", "contribute_findings",
              "confirm_in_writing", "enter_result", "verify_result", "review_overdue", "citizen_feedback",
              "review_dispute"]
VALID = {
    "screen": {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"},
    "classify": {"level": 3, "handling_unit": "inspectorate", "agencies": ["police", "market-mgmt"],
                 "classification_note": "Cần phối hợp công an"},
    "start_handling": {"handling_plan": "Kiểm tra đột xuất", "planned_inspection_at": "2026-11-25T13:00:00+07:00"},
    "acknowledge_request": {"acknowledged_by": "Đại úy Nguyễn Văn A", "ack_note": "Đã nhận"},
    "contribute_findings": {"agency_findings": "Hàng không rõ nguồn gốc", "urgent_phone_contact": True,
                            "phone_contact_summary": "Gọi điện khẩn lúc 21h"},
    "confirm_in_writing": {"written_confirmation_ref": "CV 123/QLTT", "confirmed_on": "2026-11-26"},
    "enter_result": {"findings": "Tiêm filler không phép", "measures": ["fine", "suspension"],
                     "fine_amount": 50_000_000, "evidence_note": "Biên bản số 12", "citizen_summary": "Đã xử phạt"},
    "verify_result": {"verification": "reject", "verification_comment": "Thiếu biên bản"},
    "review_overdue": {"leadership_decision": "reassign", "reassign_to": "inspectorate", "leadership_note": "Gấp"},
    "citizen_feedback": {"resolved": False, "rating": 2, "feedback_comment": "Cơ sở vẫn hoạt động"},
    "review_dispute": {"dispute_decision": "reopen", "dispute_note": "Kiểm tra lại"},
}
ENUMS = {  # a field with an enumeration in each form that has one
    "screen": "screening_outcome", "classify": "level", "verify_result": "verification",
    "review_overdue": "leadership_decision", "review_dispute": "dispute_decision",
}


def all_titled(node, where):
    """Every property (recursively) has a Vietnamese title and an English one; every option too."""
    for name, prop in node.get("properties", {}).items():
        assert prop.get("title") and prop.get("x-title-en"), f"{where}/{name}"
        for option in prop.get("oneOf", []) + prop.get("items", {}).get("oneOf", []):
            assert "const" in option and option.get("title") and option.get("x-title-en"), f"{where}/{name}"
        if prop.get("type") == "string" and "oneOf" not in prop:
            assert "maxLength" in prop, f"{where}/{name}"


@pytest.mark.parametrize("name", TASK_FORMS)
def test_every_task_form_is_a_valid_closed_bilingual_schema(name):
    schema = load_form(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["title"] and schema["x-title-en"]
    assert set(schema["required"]) <= set(schema["properties"])
    all_titled(schema, name)


def test_every_json_file_in_the_forms_folder_is_a_valid_schema():
    for path in FORMS_DIR.glob("*.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
    assert {p.stem for p in FORMS_DIR.glob("*.json")} >= set(TASK_FORMS)


@pytest.mark.parametrize("name", TASK_FORMS)
def test_example_data_are_valid(name):
    assert validate_form_data(load_form(name), VALID[name]) == {}


@pytest.mark.parametrize("name", TASK_FORMS)
def test_missing_required_fields_are_reported_by_field_name(name):
    schema = load_form(name)
    errors = validate_form_data(schema, {})
    assert set(errors) == set(schema["required"])
    assert all(message.code == "required" for message in errors.values())  # a code the web layer translates


@pytest.mark.parametrize(("name", "field"), sorted(ENUMS.items()))
def test_a_value_outside_an_enumeration_is_reported_on_its_field(name, field):
    errors = validate_form_data(load_form(name), {**VALID[name], field: "something_else"})
    assert list(errors) == [field]


def test_a_measure_outside_the_list_is_reported_on_its_item():
    errors = validate_form_data(load_form("enter_result"), {**VALID["enter_result"], "measures": ["fine", "jail"]})
    assert list(errors) == ["measures/1"]


def test_a_fine_needs_an_amount():
    data = {"findings": "x", "measures": ["warning", "fine"], "citizen_summary": "Đã xử phạt"}
    assert list(validate_form_data(load_form("enter_result"), data)) == ["fine_amount"]
    assert validate_form_data(load_form("enter_result"), {**data, "measures": ["warning"]}) == {}
    assert list(validate_form_data(load_form("enter_result"), {**data, "fine_amount": 0})) == ["fine_amount"]


def test_level_3_needs_at_least_one_agency():
    schema = load_form("classify")
    base = {"level": 3, "handling_unit": "inspectorate"}
    assert list(validate_form_data(schema, base)) == ["agencies"]
    assert list(validate_form_data(schema, {**base, "agencies": []})) == ["agencies"]
    assert list(validate_form_data(schema, {**base, "agencies": ["police", "police"]})) == ["agencies"]
    assert validate_form_data(schema, {**base, "level": 2}) == {}
    assert list(validate_form_data(schema, {**base, "level": True, "agencies": ["police"]})) == ["level"]


@pytest.mark.parametrize(("name", "data", "field"), [
    ("screen", {"screening_outcome": "out_of_scope"}, "screening_reason"),
    ("screen", {"screening_outcome": "duplicate", "screening_reason": "Trùng"}, "duplicate_of"),
    ("screen", {"screening_outcome": "duplicate", "duplicate_of": "../x"}, "duplicate_of"),
    ("verify_result", {"verification": "reject"}, "verification_comment"),
    ("review_overdue", {"leadership_decision": "reassign"}, "reassign_to"),
    ("contribute_findings", {"agency_findings": "x", "urgent_phone_contact": True}, "phone_contact_summary"),
    ("citizen_feedback", {"resolved": False, "rating": 6}, "rating"),
    ("citizen_feedback", {"resolved": "no", "rating": 3}, "resolved"),
    ("confirm_in_writing", {"written_confirmation_ref": "CV 1", "confirmed_on": "yesterday"}, "confirmed_on"),
    ("confirm_in_writing", {"written_confirmation_ref": "CV 1", "confirmed_on": "2026-13-01"},
     "confirmed_on"),
    ("acknowledge_request", {"acknowledged_by": "x" * 201}, "acknowledged_by"),
    ("review_dispute", {"dispute_decision": "uphold", "dispute_note": "ok", "admin": True}, "admin"),
])
def test_conditional_and_format_rules_give_field_errors(name, data, field):
    errors = validate_form_data(load_form(name), data)
    assert list(errors) == [field], errors
    assert errors[field].code in MESSAGES  # a message code, shown in the page's language by the web layer


def test_conditional_fields_are_optional_otherwise():
    assert validate_form_data(load_form("verify_result"), {"verification": "accept"}) == {}
    assert validate_form_data(load_form("review_overdue"), {"leadership_decision": "continue"}) == {}
    assert validate_form_data(load_form("contribute_findings"),
                              {"agency_findings": "x", "urgent_phone_contact": False}) == {}


def test_data_that_is_not_an_object_is_refused():
    assert list(validate_form_data(load_form("screen"), ["in_scope"])) == [""]


@pytest.mark.parametrize("name", ["../setup", "..", "screen/../classify", "/etc/passwd", "Screen", "screen.py",
                                  "", "no_such_form", "screen.json/", "report\x00"])
def test_unknown_or_unsafe_names_raise_form_not_found(name):
    with pytest.raises(FormNotFound):
        load_form(name)


def test_load_form_accepts_the_file_name_and_returns_a_private_copy():
    first = load_form("screen.json")
    first["title"] = "changed"
    assert load_form("screen")["title"] == "Sàng lọc phản ánh"


@pytest.mark.parametrize(("value", "valid"), [
    ("2026-11-22T21:30:00+07:00", True), ("2000-01-01T00:00:00+14:00", True), ("2099-12-31T23:59:59-14:00", True),
    ("0001-01-01T00:00:00+14:00", False), ("9999-12-31T23:59:59-14:00", False), ("1999-12-31T23:59:59Z", False),
])
def test_a_date_time_must_lie_in_the_years_the_system_can_hold(value, valid):
    report = {"category": "other", "description": "Một phản ánh đủ dài.", "address": "12 Lê Lợi",
              "ward": "ward-ben-thanh", "observed_at": value}
    errors = validate_form_data(load_form("report"), report)
    assert ("observed_at" not in errors) is valid
