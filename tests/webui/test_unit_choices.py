"""The units a task form offers are the active units its field takes (engine/directory.py UNIT_FIELDS); any other
unit posted by hand is refused at the field; a unit deactivated since a step still has its name in the timeline."""
from __future__ import annotations

import re

from engine import units
from engine.db import transaction

SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select named {name}"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_a_deactivated_ward_is_not_offered_and_posting_it_is_refused_at_the_field(as_user, drive):
    case_id = drive.report(ward="ward-tan-dinh")
    drive.do("intake", case_id, "screen", SCREEN_IN)
    with transaction(drive.factory) as session:
        units.set_active(session, "admin", "ward-ben-thanh", False)
    item, intake = drive.task(case_id, "classify"), as_user("intake")
    offered = _options(intake.get(f"/cases/{case_id}/tasks/{item.task_id}").get_data(as_text=True), "handling_unit")
    assert "ward-tan-dinh" in offered and "inspectorate" in offered
    assert "ward-ben-thanh" not in offered and "police" not in offered
    response = intake.post(f"/cases/{case_id}/tasks/{item.task_id}", data={
        "level": "1", "handling_unit": "ward-ben-thanh", "unit_change_reason": "Gõ tay"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-handling_unit-error"' in page and "không phải là đơn vị đang hoạt động" in page
    assert drive.task_names(case_id) == ["classify"]


def test_a_unit_deactivated_after_a_step_keeps_its_name_in_the_timeline(as_user, drive):
    case_id = drive.report(ward="ward-tan-dinh")
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-tan-dinh"})
    with transaction(drive.factory) as session:
        name = units.set_active(session, "admin", "ward-tan-dinh", False).name
    page = as_user("intake").get(f"/cases/{case_id}").get_data(as_text=True)
    assert name in page
