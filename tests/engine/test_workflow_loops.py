"""A loop in a diagram is bounded: it is stopped with a clear limit instead of running for ever or, past 1,000 tasks
deep (where SpiffWorkflow's task iterator stops looking), making the case look finished."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from SpiffWorkflow.util.task import TaskState

from engine import versions, workflows
from engine.clock import FrozenClock, use_clock
from engine.errors import LimitExceeded
from engine.functions import Effects
from engine.steps import run_step
from engine.validation import validate_bundle
from engine.workflows import MAX_PATH_DEPTH, MAX_STEP_TASKS

LOOP = f"a loop ran too long (more than {MAX_STEP_TASKS} tasks in one step or {MAX_PATH_DEPTH} in one path)"


def loop_process(waits_with: str) -> versions.ParsedProcess:
    """start → [waits_with] → script → gateway → back to the start of the loop while `again` (always)."""
    first = {"nothing": "", "person": '<bpmn:userTask id="wait" />',
             "timer": '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"'
                      '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'}[waits_with]
    head = "wait" if first else "count"
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="loop" isExecutable="true">
<bpmn:startEvent id="start" />
{first}
<bpmn:scriptTask id="count" scriptFormat="python"><bpmn:script>rounds = rounds + 1</bpmn:script></bpmn:scriptTask>
<bpmn:exclusiveGateway id="again" default="to_end" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{head}" />
{'<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="count" />' if first else ''}
<bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="again" />
<bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="{head}"><bpmn:conditionExpression>rounds &gt; 0
</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="to_end" sourceRef="again" targetRef="end" />
</bpmn:process></bpmn:definitions>"""
    return versions.parse_bundle({"process_id": "loop", "bpmn": {"loop.bpmn": text}, "dmn": {}, "forms": {}})


def test_a_loop_that_never_waits_stops_with_the_limit_instead_of_ending_the_case():
    with pytest.raises(LimitExceeded) as refused:
        run_step(lambda: workflows.start(loop_process("nothing"), {"rounds": 0}, Effects()))
    assert LOOP in " ".join(refused.value.problems)


def test_a_loop_through_a_persons_task_is_stopped_before_its_path_is_too_deep_to_follow():
    wf = workflows.start(loop_process("person"), {"rounds": 0}, Effects())
    done = 0
    with pytest.raises(LimitExceeded) as refused:
        while done < 1000:
            task = next(t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == "wait")
            run_step(lambda task=task: workflows.complete(wf, task, {}))
            done += 1
    assert LOOP in " ".join(refused.value.problems)
    assert MAX_PATH_DEPTH // 3 - 5 <= done <= MAX_PATH_DEPTH // 3  # three tasks a round; never past the limit
    assert not wf.is_completed() and wf.data.get("rounds") is None  # nothing looked finished


def test_a_loop_through_a_timer_is_stopped_the_same_way_when_the_timers_fire():
    clock = FrozenClock(datetime(2030, 1, 1, tzinfo=UTC))
    with use_clock(clock):
        wf = workflows.start(loop_process("timer"), {"rounds": 0}, Effects())
        with pytest.raises(LimitExceeded) as refused:
            for _ in range(1000):
                clock.advance(hours=1)
                run_step(lambda: workflows.fire_due_timers(wf))
    assert LOOP in " ".join(refused.value.problems)


def test_deploy_refuses_a_start_that_loops_without_waiting():
    bundle = versions.read_bundle()
    main = versions.main_file(bundle, bundle["process_id"])
    text = bundle["bpmn"][main]
    for old, new in [
        ("<bpmn:incoming>flow_report_received_to_set_received</bpmn:incoming>\n"
         "      <bpmn:outgoing>flow_set_received_to_intake_stage</bpmn:outgoing>",
         "<bpmn:incoming>flow_report_received_to_set_received</bpmn:incoming><bpmn:incoming>flow_again</bpmn:incoming>"
         "<bpmn:outgoing>flow_to_again</bpmn:outgoing>"),
        ("</bpmn:scriptTask>",
         '</bpmn:scriptTask><bpmn:exclusiveGateway id="again" default="flow_set_received_to_intake_stage">'
         "<bpmn:incoming>flow_to_again</bpmn:incoming><bpmn:outgoing>flow_set_received_to_intake_stage</bpmn:outgoing>"
         "<bpmn:outgoing>flow_again</bpmn:outgoing></bpmn:exclusiveGateway>"
         '<bpmn:sequenceFlow id="flow_to_again" sourceRef="set_received" targetRef="again" />'
         '<bpmn:sequenceFlow id="flow_again" sourceRef="again" targetRef="set_received">'
         "<bpmn:conditionExpression>screening_hours == 4</bpmn:conditionExpression></bpmn:sequenceFlow>"),
        ('<bpmn:sequenceFlow id="flow_set_received_to_intake_stage" sourceRef="set_received"',
         '<bpmn:sequenceFlow id="flow_set_received_to_intake_stage" sourceRef="again"'),
        ("    </bpmndi:BPMNPlane>", '<bpmndi:BPMNShape id="again_di" bpmnElement="again"><dc:Bounds x="0" y="0" '
                                   'width="50" height="50" /></bpmndi:BPMNShape></bpmndi:BPMNPlane>'),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    bundle["bpmn"][main] = text
    problems = validate_bundle(bundle)
    assert len(problems) == 1 and LOOP in problems[0].message
    assert problems[0].element_id in {"set_received", "again"}


def many_process(cardinality: str) -> versions.ParsedProcess:
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="many" isExecutable="true">
<bpmn:startEvent id="start" />
<bpmn:userTask id="each"><bpmn:multiInstanceLoopCharacteristics>
<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="each" />
<bpmn:sequenceFlow id="f2" sourceRef="each" targetRef="end" />
</bpmn:process></bpmn:definitions>"""
    return versions.parse_bundle({"process_id": "many", "bpmn": {"many.bpmn": text}, "dmn": {}, "forms": {}})


@pytest.mark.parametrize(("cardinality", "shown"), [("201", "201"), ("2000000000", "2000000000"),
                                                    ("copies", "'200'"), ("-1", "-1")])
def test_a_multi_instance_task_makes_at_most_200_tasks_at_once(cardinality, shown):
    """SpiffWorkflow makes every instance at once: two billion would exhaust the memory before any other limit."""
    data = {"copies": "200"}
    with pytest.raises(LimitExceeded) as refused:
        run_step(lambda: workflows.start(many_process(cardinality), data, Effects()))
    assert f"a multi-instance task's cardinality must be a whole number from 0 to 200, not {shown}" in \
        " ".join(refused.value.problems)
    wf = workflows.start(many_process("copies"), {"copies": 200}, Effects())
    assert len(wf.get_tasks(state=TaskState.READY)) == 200


def test_deploy_names_a_cardinality_out_of_bounds_and_a_forbidden_completion_condition():
    bundle = versions.read_bundle()
    main = versions.main_file(bundle, bundle["process_id"])
    old = "<bpmn:loopDataInputRef>inspection_agencies</bpmn:loopDataInputRef>"
    text = bundle["bpmn"][main]
    assert old in text
    bundle["bpmn"][main] = text.replace(old, "<bpmn:loopCardinality>100000</bpmn:loopCardinality>" + old, 1)
    assert [str(p.message) for p in validate_bundle(bundle)] == [
        "loop cardinality: a multi-instance task's cardinality must be a whole number from 0 to 200, not 100000"]
    refusing = "<bpmn:loopCardinality>require(False, 'x', 'agency_not_invited')</bpmn:loopCardinality>"
    bundle["bpmn"][main] = text.replace(old, refusing + old, 1)  # a refusal on the sample is no crash of the checks
    assert all("cardinality" in str(p.message) for p in validate_bundle(bundle))
    old = '<bpmn:outputDataItem id="reply" name="reply" />'
    bundle["bpmn"][main] = text.replace(old, old + "<bpmn:completionCondition>open('x')</bpmn:completionCondition>", 1)
    assert [str(p.message) for p in validate_bundle(bundle)] == ["condition: function 'open' is not allowed"]


def test_the_tasks_of_one_step_together_have_a_time_limit(monkeypatch):
    """Each evaluation has its own second; a step of many tasks stops once they have taken MAX_STEP_SECONDS."""
    monkeypatch.setattr(workflows, "MAX_STEP_SECONDS", 0.02)
    with pytest.raises(LimitExceeded) as refused:
        run_step(lambda: workflows.start(loop_process("nothing"), {"rounds": 0}, Effects()))
    assert "took too long (more than 0.02 s)" in " ".join(refused.value.problems)
