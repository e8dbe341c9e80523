"""The restricted script engine inside real SpiffWorkflow runs."""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.expressions import ExpressionError
from engine.scripting import SafeEnvironment, SafeScriptEngine

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="branching" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute" name="Compute">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="decide"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>to_high</bpmn:outgoing><bpmn:outgoing>to_low</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="high"><bpmn:incoming>to_high</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="low"><bpmn:incoming>to_low</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="decide"/>
    <bpmn:sequenceFlow id="to_high" sourceRef="decide" targetRef="high">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{high}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_low" sourceRef="decide" targetRef="low">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{low}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


def run(level, script="x = level * 2", high="x > 2", low="x <= 2", functions=None):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    xml = DIAGRAM.format(script=escape(script), high=escape(high), low=escape(low))
    parser.add_bpmn_str(xml.encode(), filename="branching.bpmn")
    engine = SafeScriptEngine(functions or {})
    wf = BpmnWorkflow(parser.get_spec("branching"), parser.get_subprocess_specs("branching"), script_engine=engine)
    wf.get_next_task(state=TaskState.READY).set_data(level=level)
    wf.do_engine_steps()
    return wf


def finished_end_events(wf):
    return {t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id in
            ("high", "low")}


@pytest.mark.parametrize(("level", "branch", "x"), [(3, "high", 6), (1, "low", 2)])
def test_script_task_and_gateway_conditions_choose_the_branch(level, branch, x):
    wf = run(level)
    assert wf.is_completed()
    assert finished_end_events(wf) == {branch}
    assert wf.last_task.data["x"] == x


def test_script_task_can_call_a_passed_in_function():
    calls = []
    wf = run(2, script="notify('escalate', level=level)\nx = 5",
             functions={"notify": lambda kind, level: calls.append((kind, level))})
    assert calls == [("escalate", 2)]
    assert finished_end_events(wf) == {"high"}
    assert "notify" not in wf.last_task.data


def test_import_in_a_script_task_raises_a_workflow_error_naming_the_refusal():
    with pytest.raises(WorkflowException) as caught:
        run(3, script="x = 1\nimport os")
    assert "line 2: 'import' statements are not allowed" in str(caught.value)
    assert caught.value.line_number == 2
    assert caught.value.error_line == "import os"


def test_malicious_condition_never_runs(tmp_path):
    target = tmp_path / "pwned"
    with pytest.raises(WorkflowException) as caught:
        run(3, high=f"__import__('os').system('touch {target}') == 0")
    assert "attribute access is not allowed" in str(caught.value)
    assert not target.exists()


def test_unknown_name_in_condition_is_reported_with_a_suggestion():
    with pytest.raises(WorkflowException) as caught:
        run(3, high="levell > 2")
    message = str(caught.value)
    assert "Error evaluating expression 'levell > 2'" in message
    assert "name 'levell' is not defined" in message
    assert "Did you mean" in message and "'level'" in message  # SpiffWorkflow's own hint: closest data names
    with pytest.raises(WorkflowException, match="line 1: name 'levell' is not defined. Did you mean 'level'"):
        run(3, script="x = levell")


def test_engine_validate_and_functions():
    engine = SafeScriptEngine({"now": lambda: "2026-01-01"})
    assert set(engine.functions) == {"now"}
    engine.validate("now() > '2025'")
    with pytest.raises(ExpressionError, match="function 'open' is not allowed"):
        engine.validate("open('x')")
    with pytest.raises(SyntaxError):  # SpiffWorkflow's DMN engine catches SyntaxError from validate
        engine.validate("> 3")


def test_environment_is_safe_on_its_own():
    # some SpiffWorkflow code calls script_engine.environment.evaluate directly
    env = SafeEnvironment({"double": lambda v: v * 2})
    assert env.evaluate("double(a) + b", {"a": 2}, external_context={"a": 100, "b": 1}) == 5
    with pytest.raises(ExpressionError, match="attribute access"):
        env.evaluate("().__class__", {})
    data = {"a": 2}
    assert env.execute("c = double(a) + b", data, external_context={"b": 1}) is True
    assert data == {"a": 2, "c": 5}
    with pytest.raises(ExpressionError, match="service tasks are not supported"):
        env.call_service({}, operation_name="x")
