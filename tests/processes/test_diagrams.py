"""The procedure diagram: it parses, its lanes/forms/timers carry what the engine reads and it has complete diagram
interchange (its paths run in test_diagram_runs.py)."""
from __future__ import annotations

import ast

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from forms import load_form
from tests.processes.procedure import BPMN, PROCESS_ID

ROLES = {"intake", "handling_unit", "coordinator", "inspector", "leadership", "citizen"}
TIMER_ROLES = {"reminder", "deadline", "case_deadline"}
REVIEWED = {"hours_after", "now", "set_status", "mark_overdue", "notify", "notify_each", "open_tasks", "require",
            "reassign_unit", "publish_result", "close_case", "invite_agency", "keyed", "any_flagged", "agencies_where",
            "missing"}
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
FLOW_NODES = ("startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent",
              "userTask", "scriptTask", "serviceTask", "manualTask", "task", "businessRuleTask", "sendTask",
              "receiveTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
              "inclusiveGateway", "eventBasedGateway")
USER_TASKS = {  # id: (lane, unit variable)
    "screen": ("intake", None),
    "classify": ("intake", None),
    "start_handling": ("handling_unit", "handling_unit"),
    "acknowledge_request": ("coordinator", "agency"),
    "contribute_findings": ("coordinator", "agency"),
    "confirm_in_writing": ("coordinator", "agency"),
    "coordinate": ("handling_unit", "handling_unit"),
    "answer_agency_question": ("handling_unit", "handling_unit"),
    "answer_information_request": ("coordinator", "agency"),
    "confirm_joint_inspection": ("coordinator", "inspection_agency"),
    "record_minutes": ("handling_unit", "handling_unit"),
    "confirm_minutes": ("coordinator", "minutes_agency"),
    "confirm_agreement_in_writing": ("handling_unit", "handling_unit"),
    "refer_to_police": ("handling_unit", "handling_unit"),
    "enter_result": ("handling_unit", "handling_unit"),
    "verify_result": ("inspector", None),
    "review_overdue": ("leadership", None),
    "citizen_feedback": ("citizen", None),
    "review_dispute": ("inspector", None),
}
TIMERS = {  # id: (role, interrupting, kind, expression)
    "screening_reminder_timer": ("reminder", False, "timeDate", "screening_reminder_at"),
    "screening_escalation_timer": ("deadline", False, "timeDate", "screening_deadline_at"),
    "reminder_timer": ("reminder", False, "timeDate", "reminder_at"),
    "escalation_timer": ("case_deadline", False, "timeDate", "deadline_at"),
    "ack_timer": ("deadline", False, "timeDuration", '"PT4H"'),
    "contribution_timer": ("deadline", False, "timeDuration", '"PT24H"'),
    "auto_close_timer": ("deadline", True, "timeDuration", '"P7D"'),
    "dispute_timer": ("deadline", False, "timeDuration", '"PT48H"'),
    "confirm_in_writing_timer": ("deadline", False, "timeDuration", '"PT24H"'),
    "question_timer": ("deadline", False, "timeDate", "question_due_at"),
    "request_reminder_timer": ("reminder", False, "timeDate", "request_reminder_at"),
    "request_timer": ("deadline", False, "timeDate", "request_due_at"),
    "inspection_reply_timer": ("deadline", False, "timeDate", "inspection_reminder_at"),
    "minutes_timer": ("deadline", False, "timeDuration", '"PT48H"'),
    "minutes_confirm_timer": ("deadline", False, "timeDuration", '"PT24H"'),
    "agreement_timer": ("deadline", False, "timeDuration", '"PT24H"'),
}
CATCH_TIMERS = {  # intermediate timer events: id → date expression
    "inspection_day_before": "inspection_reminder_at",
    "inspection_held": "inspection_at",
}


pytestmark = pytest.mark.usefixtures("frozen_clock")


# ---------------------------------------------------------------- parsing and static checks

@pytest.fixture(scope="module")
def xml():
    return etree.parse(str(BPMN), etree.XMLParser(resolve_entities=False, no_network=True))


def all_task_specs(parsed):
    spec, subprocess_specs = parsed
    for process in (spec, *subprocess_specs.values()):
        yield from process.task_specs.values()


def specs_by_id(parsed):
    return {t.bpmn_id: t for t in all_task_specs(parsed) if t.bpmn_id}


def test_the_process_parses_with_the_xsd_validator_and_is_executable(parsed, xml):
    spec, subprocess_specs = parsed
    assert spec.name == PROCESS_ID
    assert set(subprocess_specs) == {"intake_stage", "handling", "coordination_stage", "coordination",
                                     "inspection_replies", "minutes_confirmations"}
    process = xml.find("bpmn:process", NS)
    assert process.get("isExecutable") == "true"
    assert len(xml.findall("bpmn:collaboration/bpmn:participant", NS)) == 1


def test_user_tasks_have_their_lane_form_and_unit_variable(parsed):
    user_tasks = {t.bpmn_id: t for t in all_task_specs(parsed) if t.manual}
    assert set(user_tasks) == set(USER_TASKS)
    for task_id, (lane, unit_variable) in USER_TASKS.items():
        task = user_tasks[task_id]
        props = task.extensions["properties"]
        assert task.lane == lane, task_id
        same_form = {"confirm_agreement_in_writing": "confirm_in_writing"}.get(task_id, task_id)
        assert props["formJsonSchemaFilename"] == f"{same_form}.json"
        assert props.get("unitVariable") == unit_variable, task_id
        form = load_form(props["formJsonSchemaFilename"])
        assert form["type"] == "object" and form["title"] and form["x-title-en"], task_id


def test_lanes_are_exactly_the_six_role_codes(parsed, xml):
    lanes = [lane.get("name") for lane in xml.iterfind(".//bpmn:lane", NS)]
    assert sorted(lanes) == sorted(ROLES)
    assert {t.lane for t in all_task_specs(parsed)} <= ROLES | {None}


def test_a_subprocess_in_a_lane_holds_only_nodes_of_that_lane(xml):
    """SpiffWorkflow gives a subprocess's lane to everything inside it, overriding the inner flowNodeRefs."""
    lane_of = {ref.text: ref.getparent().get("name") for ref in xml.iterfind(".//bpmn:flowNodeRef", NS)}
    for sub in xml.iterfind(".//bpmn:subProcess", NS):
        if sub.get("id") in lane_of:
            inner = {lane_of.get(n.get("id")) for tag in FLOW_NODES for n in sub.iterfind(f".//bpmn:{tag}", NS)}
            assert inner <= {lane_of[sub.get("id")]}, sub.get("id")
    assert "handling" not in lane_of  # it spans the handling unit, coordinator and inspector lanes


def test_every_element_has_diagram_interchange(xml):
    process = xml.find("bpmn:process", NS)
    shapes = {s.get("bpmnElement"): s for s in xml.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in xml.iterfind(".//bpmndi:BPMNEdge", NS)}
    nodes = [n for tag in FLOW_NODES for n in process.iterfind(f".//bpmn:{tag}", NS)]
    assert len(nodes) > 60
    others = [*xml.iterfind(".//bpmn:lane", NS), *xml.iterfind(".//bpmn:participant", NS)]
    for element in nodes + others:
        assert element.get("id") in shapes, element.get("id")
        assert shapes[element.get("id")].find("dc:Bounds", NS) is not None
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        assert flow.get("id") in edges, flow.get("id")
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[flow.get("id")].iterfind("di:waypoint", NS)]
        assert len(points) >= 2
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in zip(points, points[1:], strict=False)), flow.get("id")
    for sub in process.iterfind(".//bpmn:subProcess", NS):
        assert shapes[sub.get("id")].get("isExpanded") == "true"
    known = {n.get("id") for n in nodes + others} | {f.get("id") for f in process.iterfind(".//bpmn:sequenceFlow", NS)}
    assert set(shapes) | set(edges) <= known  # no DI for elements that do not exist


def test_boundary_events_sit_on_the_border_of_their_host(xml):
    bounds = {s.get("bpmnElement"): s.find("dc:Bounds", NS) for s in xml.iterfind(".//bpmndi:BPMNShape", NS)}

    def box(element_id):
        b = bounds[element_id]
        return [float(b.get(k)) for k in ("x", "y", "width", "height")]

    for event in xml.iterfind(".//bpmn:boundaryEvent", NS):
        x, y, w, h = box(event.get("id"))
        hx, hy, hw, hh = box(event.get("attachedToRef"))
        cx, cy = x + w / 2, y + h / 2
        on_horizontal = cy in (hy, hy + hh) and hx <= cx <= hx + hw
        on_vertical = cx in (hx, hx + hw) and hy <= cy <= hy + hh
        assert on_horizontal or on_vertical, event.get("id")


def test_every_timer_boundary_event_has_a_timer_role_in_the_parsed_spec(parsed):
    timers = {t.bpmn_id: t for t in all_task_specs(parsed)
              if isinstance(getattr(t, "event_definition", None), TimerEventDefinition)}
    assert set(timers) == set(TIMERS) | set(CATCH_TIMERS)
    for timer_id, expression in CATCH_TIMERS.items():
        assert timers[timer_id].event_definition.expression == expression
    for timer_id, (role, interrupting, _kind, expression) in TIMERS.items():
        spec = timers[timer_id]
        assert spec.extensions["properties"]["timerRole"] == role
        assert spec.cancel_activity is interrupting, timer_id
        assert spec.event_definition.expression == expression, timer_id
        assert role in TIMER_ROLES


def test_timer_kinds_and_literal_durations_are_quoted(xml):
    for timer_id, (_role, _interrupting, kind, expression) in TIMERS.items():
        (event,) = xml.xpath(f".//bpmn:boundaryEvent[@id='{timer_id}']", namespaces=NS)
        (definition,) = event.iterfind(f"bpmn:timerEventDefinition/bpmn:{kind}", NS)
        assert definition.text == expression
        if kind == "timeDuration":
            assert isinstance(ast.literal_eval(definition.text), str)


def test_scripts_call_only_reviewed_functions(xml):
    scripts = {t.get("id"): t.findtext("bpmn:script", namespaces=NS) for t in xml.iterfind(".//bpmn:scriptTask", NS)}
    assert len(scripts) >= 15
    rule_tasks = xml.iterfind(".//bpmn:businessRuleTask", NS)
    scripts.update({t.get("id"): t.findtext("bpmn:extensionElements/spiffworkflow:postScript", namespaces=NS)
                    for t in rule_tasks})
    for task_id, script in scripts.items():
        tree = ast.parse(script)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.Attribute | ast.Import | ast.ImportFrom | ast.Lambda), task_id
            if isinstance(node, ast.Call):
                assert isinstance(node.func, ast.Name) and node.func.id in REVIEWED, task_id
    assert "deadline_at = hours_after(received_at, sla_hours)" in scripts["set_deadlines"]  # hours: deadlines.dmn
    assert "screening_hours = 4" in scripts["set_received"]


def test_multi_instance_references_resolve_so_the_modeler_keeps_them(xml):
    """bpmn-js drops a loopDataInputRef/loopDataOutputRef that names no element of the file when it saves."""
    ids = {element.get("id") for element in xml.iter() if isinstance(element.tag, str) and element.get("id")}
    refs = [*xml.iterfind(".//bpmn:loopDataInputRef", NS), *xml.iterfind(".//bpmn:loopDataOutputRef", NS)]
    assert len(refs) == 6
    for ref in refs:
        assert ref.text in ids, ref.text
        (item,) = xml.xpath(f".//*[@id='{ref.text}']", namespaces=NS)
        assert etree.QName(item).localname == "property"
