"""Classification follows the rules of the deployed diagram: level 1 goes to the People's Committee of the
report's ward (another unit only with a reason, which the timeline keeps), levels 2 and 3 to the department
inspectorate, level 3 with at least one agency. A refused pair is a field-level error and nothing is saved."""
from __future__ import annotations

import pytest

from engine import units
from engine.db import transaction
from engine.errors import ValidationError
from engine.functions import RULE_MESSAGES
from engine.messages import t
from tests.casedriver import CaseDriver

SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}
TAN_DINH = {"ward": "ward-tan-dinh", "facility_name": "Nhà thuốc Minh Tâm", "address": "120 Hai Bà Trưng"}


def screened(drive: CaseDriver) -> int:
    case_id = drive.report(**TAN_DINH)
    drive.do("intake", case_id, "screen", SCREEN_IN)
    return case_id


@pytest.mark.parametrize("classification", [
    {"level": 1, "handling_unit": "ward-tan-dinh"},
    {"level": 1, "handling_unit": "ward-ben-thanh", "unit_change_reason": "Cơ sở ở ranh giới, Bến Thành quản lý"},
    {"level": 2, "handling_unit": "inspectorate"},
    {"level": 3, "handling_unit": "inspectorate", "agencies": ["police"]},
], ids=["level-1-own-ward", "level-1-other-ward-with-reason", "level-2-inspectorate", "level-3-with-agency"])
def test_a_classification_that_follows_the_rules_is_accepted(drive, classification):
    case_id = screened(drive)
    case = drive.do("intake", case_id, "classify", classification)
    assert (case.level, case.handling_unit) == (classification["level"], classification["handling_unit"])
    assert drive.task_names(case_id) == ["start_handling"]


@pytest.mark.parametrize(("classification", "field", "message"), [
    ({"level": 1, "handling_unit": "ward-ben-thanh"}, "handling_unit", "ward_committee_for_level_1"),
    ({"level": 1, "handling_unit": "inspectorate"}, "handling_unit", "ward_committee_for_level_1"),
    ({"level": 2, "handling_unit": "ward-tan-dinh"}, "handling_unit", "inspectorate_for_levels_2_3"),
    ({"level": 3, "handling_unit": "ward-sai-gon", "agencies": ["police"]}, "handling_unit",
     "inspectorate_for_levels_2_3"),
], ids=["level-1-other-ward-without-reason", "level-1-inspectorate-without-reason", "level-2-ward",
        "level-3-ward"])
def test_a_classification_against_the_rules_is_refused_at_the_field_and_nothing_is_saved(drive, classification,
                                                                                       field, message):
    case_id = screened(drive)
    before = drive.case(case_id)
    with pytest.raises(ValidationError) as refused:
        drive.do("intake", case_id, "classify", classification)
    assert refused.value.errors == {field: RULE_MESSAGES[message]}
    after = drive.case(case_id)
    assert (after.level, after.handling_unit, after.status, after.row_version) == \
        (None, None, "received", before.row_version)
    assert drive.task_names(case_id) == ["classify"]
    assert drive.events(case_id).count("task_completed") == 1  # only the screening
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-tan-dinh"})  # corrected: accepted
    assert drive.case(case_id).handling_unit == "ward-tan-dinh"


def test_level_3_without_an_agency_is_refused(drive):
    case_id = screened(drive)
    with pytest.raises(ValidationError) as refused:
        drive.do("intake", case_id, "classify", {"level": 3, "handling_unit": "inspectorate", "agencies": []})
    assert "agencies" in refused.value.errors
    assert drive.task_names(case_id) == ["classify"]


def test_the_reason_for_another_unit_is_kept_in_the_timeline(drive):
    from engine.db import transaction
    from engine.events import case_events

    case_id = screened(drive)
    reason = "Cơ sở ở ranh giới, phường Bến Thành đang xử lý vụ liên quan"
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh",
                                             "unit_change_reason": reason})
    with transaction(drive.factory) as session:
        (event,) = [e for e in case_events(session, case_id) if e.task_name == "classify"]
        assert event.detail["data"]["unit_change_reason"] == reason


@pytest.mark.parametrize(("classification", "field", "unit"), [
    ({"level": 1, "handling_unit": "ward-nowhere", "unit_change_reason": "Gõ tay"}, "handling_unit", "ward-nowhere"),
    ({"level": 1, "handling_unit": "ward-ben-thanh", "unit_change_reason": "Đã sáp nhập"}, "handling_unit",
     "ward-ben-thanh"),
    ({"level": 1, "handling_unit": "police", "unit_change_reason": "Nhầm"}, "handling_unit", "police"),
    ({"level": 3, "handling_unit": "inspectorate", "agencies": ["police", "agency-nowhere"]}, "agencies",
     "agency-nowhere"),
], ids=["unknown-unit", "deactivated-ward", "an-agency-as-handler", "unknown-agency"])
def test_a_unit_that_is_not_an_active_unit_of_the_right_kind_is_refused_and_nothing_is_saved(
        drive, classification, field, unit):
    """A hand-made submission could otherwise send a case to a unit nobody signs in for: it would sit in no inbox."""
    case_id = screened(drive)
    with transaction(drive.factory) as session:
        units.set_active(session, "admin", "ward-ben-thanh", False)
    before = drive.case(case_id)
    with pytest.raises(ValidationError) as refused:
        drive.do("intake", case_id, "classify", classification)
    assert refused.value.errors == {field: t("unit_not_offered", unit=unit)}
    after = drive.case(case_id)
    assert (after.handling_unit, after.row_version, drive.task_names(case_id)) == \
        (None, before.row_version, ["classify"])
