"""The test factories make what they say: a case waits at the asked step with its deadline from the asked
receipt time, and a user made for a unit sees that unit's tasks."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import STEPS


@pytest.mark.parametrize("step", STEPS)
def test_a_case_is_created_waiting_at_the_asked_step(create_case, drive, step):
    case_id = create_case(None if step in ("screen", "classify") else 2, at=step)
    assert drive.task_names(case_id) == [step]


def test_a_case_received_earlier_has_its_deadline_from_that_time_and_the_clock_goes_back(create_case, drive):
    now = drive.clock.now()
    case_id = create_case(1, received_at=now - timedelta(hours=30))
    case = drive.case(case_id)
    assert case.received_at == now - timedelta(hours=30)
    assert case.deadline_at == now - timedelta(hours=6)  # 24 h after receipt
    assert drive.clock.now() == now
    assert drive.advance(seconds=1).fired == 2  # the reminder and the escalation fall due at the next sweep
    assert drive.case(case_id).overdue


def test_a_level_1_case_goes_to_its_wards_committee(create_case, drive):
    case_id = create_case(1, ward="ward-tan-dinh")
    assert drive.task(case_id, "start_handling").unit == "ward-tan-dinh"


def test_a_user_made_for_a_new_unit_gets_that_units_tasks(create_unit, create_user, create_case, drive):
    unit = create_unit("ward-an-khanh", "UBND phường An Khánh")
    username = create_user(role="handling_unit", unit=unit)
    case_id = create_case(1, ward=unit, at="enter_result")
    assert [t.case_id for t in drive.inbox_of(username)] == [case_id]
    assert drive.inbox_of("ward") == []


def test_a_level_3_case_is_not_driven_past_its_agencies(create_case):
    with pytest.raises(ValueError, match="agencies"):
        create_case(3, agencies=["police"], at="enter_result")


def test_a_level_is_asked_for_exactly_when_the_case_is_classified(create_case):
    with pytest.raises(ValueError, match="needs a level"):
        create_case(at="enter_result")
    with pytest.raises(ValueError, match="no level"):
        create_case(2, at="classify")
