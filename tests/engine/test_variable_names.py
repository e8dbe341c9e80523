"""Deploy check: a name a condition, script or timer reads must be set somewhere in the bundle (a misspelt variable
would otherwise stop every case that reaches it)."""
from __future__ import annotations

import pytest

from engine import scheduled, workflows
from engine.db import transaction
from engine.validation import validate_bundle
from engine.variable_names import START_VARIABLES
from tests.engine.test_validation import ORIGINAL, changed, messages

LEVEL_GATEWAY = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">level == 3</bpmn:conditionExpression>'


def _condition(text: str) -> str:
    return f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{text}</bpmn:conditionExpression>'


def test_a_misspelt_variable_in_a_gateway_condition_is_refused_with_the_closest_name():
    problems = validate_bundle(changed(LEVEL_GATEWAY, _condition("levle == 3")))
    assert [(p.element_id, p.message) for p in problems] == [(
        "flow_gw_level_to_coordination_stage",
        "condition: “levle” is not a variable of this process: no form field, script, decision table or data item "
        "sets it (did you mean “level”?)")]


def test_a_name_nothing_resembles_is_refused_without_a_hint():
    (problem,) = validate_bundle(changed(LEVEL_GATEWAY, _condition("zzqx_flag and level == 3")))
    assert problem.message.endswith("data item sets it") and "“zzqx_flag”" in problem.message


def test_names_set_by_forms_scripts_tables_and_loop_items_are_known_and_function_names_are_not_variables():
    assert validate_bundle(ORIGINAL) == []  # reads screening_outcome (form), level (table), coordination_findings
    script_reads = changed("if level == 2 or level == 3:", "if level == 2 or level == 3 or case_code == '':")
    assert messages(script_reads) == []  # a start variable
    called = changed(LEVEL_GATEWAY, _condition('level == 3 and not any_flagged(coordination_findings, "x")'))
    assert messages(called) == []


def test_a_script_and_a_timer_reading_an_unset_name_are_refused():
    script = changed("if level == 2 or level == 3:", "if levels == 2 or level == 3:")
    assert any("script: line" in m and "“levels”" in m and "“level”" in m for m in messages(script))
    timer = changed(">screening_reminder_at</bpmn:timeDate>", ">screening_reminder_time</bpmn:timeDate>")
    assert any("“screening_reminder_time”" in m and "did you mean “screening_reminder_at”" in m
               for m in messages(timer))


def test_a_variable_only_a_later_script_assigns_is_known():
    text = "if level == 2 or level == 3:"
    bundle = changed(text, "follow_up = 1\n" + text)
    bundle["bpmn"]["rapid_response.bpmn"] = bundle["bpmn"]["rapid_response.bpmn"].replace(
        LEVEL_GATEWAY, _condition("level == 3 and follow_up == 1"))
    assert messages(bundle) == []


@pytest.mark.parametrize("start", ["report", "schedule"])
def test_the_start_data_of_a_case_and_of_a_scheduled_run_is_known(start, drive, factory, monkeypatch):
    started: list[dict] = []
    real_start = workflows.start

    def spy(parsed, data, effects):
        started.append(dict(data))
        return real_start(parsed, data, effects)

    monkeypatch.setattr(workflows, "start", spy)
    if start == "report":
        drive.report()
    else:
        with transaction(factory) as session:
            scheduled.install(session, actor="tests")
    assert started and all(set(data) <= START_VARIABLES for data in started), started
