"""The procedure diagram: it parses, its lanes/forms/timers carry what the engine reads, it has complete diagram
interchange, and its paths run on SpiffWorkflow (with a throwaway script engine, not the restricted one)."""
from __future__ import annotations

import ast
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.clock import FrozenClock, use_clock
from engine.clock import now as clock_now
from engine.functions import agencies_where, any_flagged, keyed, missing
from forms import load_form

BPMN = Path(__file__).resolve().parents[2] / "processes" / "bpmn" / "rapid_response.bpmn"
PROCESS_ID = "rapid_response"
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
RECEIVED = "2026-11-25T08:00:00+00:00"


@pytest.fixture(autouse=True)
def frozen_clock():
    """SpiffWorkflow's timers and the diagram's now() read the engine clock, frozen at the receipt time, so these
    tests see the same deadlines whatever day they run."""
    with use_clock(FrozenClock(datetime.fromisoformat(RECEIVED))) as clock:
        yield clock


# ---------------------------------------------------------------- parsing and static checks

@pytest.fixture(scope="module")
def parsed():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_dmn_files(sorted(str(p) for p in BPMN.parent.glob("*.dmn")))  # the decision tables beside it
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


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


# ---------------------------------------------------------------- running it

class Refused(Exception):  # noqa: N818
    pass


class Calls(list):
    def functions(self, run):
        def record(name):
            return lambda *args: self.append((name, *args))

        def open_tasks():
            return sorted(t.task_spec.bpmn_id for t in run.wf.get_tasks(state=TaskState.READY, manual=True))

        def require(condition, field, message_code):
            if not condition:
                raise Refused(field, message_code)

        def hours_after(timestamp, hours):
            return (datetime.fromisoformat(timestamp) + timedelta(hours=hours)).isoformat()

        def now():
            return clock_now().isoformat()

        names = ("set_status", "mark_overdue", "notify", "notify_each", "reassign_unit", "publish_result", "close_case",
                 "invite_agency")
        return {"hours_after": hours_after, "now": now, "open_tasks": open_tasks, "require": require, "keyed": keyed,
                "any_flagged": any_flagged, "agencies_where": agencies_where, "missing": missing,
                **{n: record(n) for n in names}}


class Run:
    def __init__(self, parsed):
        self.calls = Calls()
        engine = PythonScriptEngine(environment=TaskDataEnvironment(self.calls.functions(self)))
        self.wf = BpmnWorkflow(*parsed, script_engine=engine)
        report = {"category": "cosmetic_surgery", "description": "Tiêm filler không phép", "facility_name": "Spa A",
                  "address": "12 Lê Lợi", "ward": "ward-ben-thanh", "observed_at": RECEIVED}
        self.wf.get_next_task(state=TaskState.READY).set_data(report=report, received_at=RECEIVED,
                                                               case_code="ABCDE-FGHJK")
        self.wf.do_engine_steps()

    def ready(self):
        return sorted((t.task_spec.bpmn_id, t.task_spec.lane)
                      for t in self.wf.get_tasks(state=TaskState.READY, manual=True))

    def do(self, task_id, expected_lane, match=None, **data):
        tasks = [t for t in self.wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == task_id
                 and all(t.data.get(k) == v for k, v in (match or {}).items())]
        assert len(tasks) == 1, (task_id, self.ready())
        assert tasks[0].task_spec.lane == expected_lane
        form = load_form(tasks[0].task_spec.extensions["properties"]["formJsonSchemaFilename"])
        assert set(data) <= set(form["properties"])
        tasks[0].set_data(**data)
        tasks[0].run()
        self.wf.do_engine_steps()

    def waiting_timers(self):
        return sorted(t.task_spec.bpmn_id for t in self.wf.get_tasks(state=TaskState.WAITING)
                      if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition))


SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}
RESULT = {"findings": "Cơ sở tiêm filler không phép", "measures": ["fine"], "fine_amount": 50_000_000,
          "citizen_summary": "Đã xử phạt"}


def handle_to_publication(run, level=2):
    run.do("screen", "intake", **SCREEN_IN)
    run.do("classify", "intake", level=level, handling_unit="inspectorate")
    assert run.wf.last_task.data["deadline_at"] == "2026-11-27T08:00:00+00:00"
    assert run.wf.last_task.data["reminder_at"] == "2026-11-27T00:00:00+00:00"
    run.do("start_handling", "handling_unit", handling_plan="Lập đoàn kiểm tra")
    run.do("enter_result", "handling_unit", **RESULT)
    run.do("verify_result", "inspector", verification="accept")


def test_level_2_case_with_rework_runs_to_a_resolved_close(parsed):
    run = Run(parsed)
    assert run.ready() == [("screen", "intake")]
    assert run.calls == [("set_status", "received")]
    run.do("screen", "intake", **SCREEN_IN)
    assert run.ready() == [("classify", "intake")]
    run.do("classify", "intake", level=2, handling_unit="inspectorate", classification_note="Cấp 2")
    data = run.wf.last_task.data
    assert (data["sla_hours"], data["reminder_hours"]) == (48, 8)
    assert (data["deadline_at"], data["reminder_at"]) == ("2026-11-27T08:00:00+00:00", "2026-11-27T00:00:00+00:00")
    assert run.ready() == [("start_handling", "handling_unit")]
    assert run.waiting_timers() == ["escalation_timer", "reminder_timer"]
    run.do("start_handling", "handling_unit", handling_plan="Lập đoàn kiểm tra")
    assert run.ready() == [("enter_result", "handling_unit")]  # no coordination below level 3
    run.do("enter_result", "handling_unit", findings="Chưa đủ", measures=["warning"], citizen_summary="Đã nhắc nhở")
    assert run.ready() == [("verify_result", "inspector")]
    run.do("verify_result", "inspector", verification="reject", verification_comment="Thiếu biên bản")
    assert run.ready() == [("enter_result", "handling_unit")]
    assert run.waiting_timers() == ["escalation_timer", "reminder_timer"]  # the deadline keeps running
    run.do("enter_result", "handling_unit", **RESULT)
    run.do("verify_result", "inspector", verification="accept")
    assert run.ready() == [("citizen_feedback", "citizen")]
    assert run.waiting_timers() == ["auto_close_timer"]  # handling's timers stop at publication
    assert ("publish_result",) in run.calls
    run.do("citizen_feedback", "citizen", resolved=True, rating=5, feedback_comment="Cảm ơn")
    assert run.wf.is_completed()
    assert run.calls[-1] == ("close_case", "resolved")
    assert run.waiting_timers() == []


def test_level_3_case_has_one_coordination_instance_per_agency(parsed):
    agencies = ["police", "market-mgmt", "labour"]
    run = Run(parsed)
    run.do("screen", "intake", **SCREEN_IN)
    run.do("classify", "intake", level=3, handling_unit="inspectorate", agencies=agencies)
    assert run.wf.last_task.data["deadline_at"] == "2026-11-28T08:00:00+00:00"
    run.do("start_handling", "handling_unit", handling_plan="Kiểm tra liên ngành")
    acks = [t for t in run.wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id != "coordinate"]
    assert [t.task_spec.bpmn_id for t in acks] == ["acknowledge_request"] * 3
    assert sorted(t.data["agency"] for t in acks) == sorted(agencies)
    assert {t.task_spec.lane for t in acks} == {"coordinator"}
    assert run.waiting_timers() == ["ack_timer"] * 3 + ["escalation_timer", "reminder_timer"]
    for agency in agencies:
        run.do("acknowledge_request", "coordinator", {"agency": agency}, acknowledged_by=f"Cán bộ {agency}")
    assert run.waiting_timers() == ["contribution_timer"] * 3 + ["escalation_timer", "reminder_timer"]
    for agency in agencies:
        urgent = agency == "market-mgmt"
        run.do("contribute_findings", "coordinator", {"agency": agency}, agency_findings="Đã xác minh",
               urgent_phone_contact=urgent, **({"phone_contact_summary": "Gọi khẩn"} if urgent else {}))
    assert run.ready() == [("confirm_in_writing", "coordinator"), ("coordinate", "handling_unit")]
    assert run.waiting_timers() == ["confirm_in_writing_timer", "escalation_timer", "reminder_timer"]
    run.do("confirm_in_writing", "coordinator", {"agency": "market-mgmt"}, written_confirmation_ref="CV 123/QLTT",
           confirmed_on="2026-11-25")
    assert run.ready() == [("coordinate", "handling_unit")]  # the inspectorate closes coordination
    run.do("coordinate", "handling_unit", action="finish")
    assert run.ready() == [("enter_result", "handling_unit")]
    findings = run.wf.get_tasks(state=TaskState.READY, manual=True)[0].data["coordination_findings"]
    assert findings == {agency: {"agency": agency, "findings": "Đã xác minh", "criminal_matter": False}
                        for agency in agencies}  # one collection of every agency's findings
    run.do("enter_result", "handling_unit", **RESULT)
    run.do("verify_result", "inspector", verification="accept")
    assert run.ready() == [("citizen_feedback", "citizen")]


@pytest.mark.parametrize("outcome", ["out_of_scope", "duplicate"])
def test_a_report_screened_out_ends_the_workflow(parsed, outcome):
    run = Run(parsed)
    run.do("screen", "intake", screening_outcome=outcome, screening_reason="Không thuộc thẩm quyền",
           duplicate_of="ABCDE-FGHJK")
    assert run.wf.is_completed()
    assert run.calls == [("set_status", "received"), ("close_case", outcome)]
    assert run.ready() == [] and run.waiting_timers() == []


def test_a_dispute_reopened_goes_back_to_handling_with_a_fresh_deadline(parsed):
    run = Run(parsed)
    handle_to_publication(run)
    run.do("citizen_feedback", "citizen", resolved=False, rating=1, feedback_comment="Vẫn hoạt động")
    assert run.ready() == [("review_dispute", "inspector")]
    assert ("set_status", "disputed") in run.calls
    assert run.waiting_timers() == ["dispute_timer"]
    run.do("review_dispute", "inspector", dispute_decision="reopen", dispute_note="Kiểm tra lại")
    assert run.ready() == [("start_handling", "handling_unit")]
    assert run.calls[-1] == ("set_status", "in_handling")
    reopened = datetime.fromisoformat(run.wf.last_task.data["deadline_at"])
    assert reopened == clock_now() + timedelta(hours=48)
    assert run.waiting_timers() == ["escalation_timer", "reminder_timer"]


def test_a_dispute_upheld_closes_the_case(parsed):
    run = Run(parsed)
    handle_to_publication(run)
    run.do("citizen_feedback", "citizen", resolved=False, rating=2)
    run.do("review_dispute", "inspector", dispute_decision="uphold", dispute_note="Đã xử lý đúng")
    assert run.wf.is_completed()
    assert run.calls[-1] == ("close_case", "dispute_upheld")


def test_screening_and_classification_run_on_their_own_clock_from_receipt(parsed, frozen_clock):
    run = Run(parsed)
    data = run.wf.get_tasks(state=TaskState.READY, manual=True)[0].data
    assert (data["screening_reminder_at"], data["screening_deadline_at"]) == ("2026-11-25T10:00:00+00:00",
                                                                              "2026-11-25T12:00:00+00:00")
    assert run.waiting_timers() == ["screening_escalation_timer", "screening_reminder_timer"]
    frozen_clock.advance(hours=2, minutes=1)
    run.wf.refresh_timers()
    run.wf.do_engine_steps()
    assert run.calls[-1] == ("notify", "reminder", "intake")
    frozen_clock.advance(hours=2)
    run.wf.refresh_timers()
    run.wf.do_engine_steps()
    assert run.calls[-1] == ("mark_overdue",)
    assert run.ready() == [("screen", "intake")]  # the work goes on
    run.do("screen", "intake", **SCREEN_IN)
    run.do("classify", "intake", level=1, handling_unit="ward-ben-thanh")
    assert run.waiting_timers() == ["escalation_timer", "reminder_timer"]  # the level's deadline, from receipt
    assert run.wf.last_task.data["deadline_at"] == "2026-11-26T08:00:00+00:00"


@pytest.mark.parametrize(("classification", "refused_field"), [
    ({"level": 1, "handling_unit": "ward-ben-thanh"}, None),
    ({"level": 1, "handling_unit": "ward-sai-gon", "unit_change_reason": "Cơ sở nằm ở ranh giới hai phường"}, None),
    ({"level": 1, "handling_unit": "ward-sai-gon"}, "handling_unit"),
    ({"level": 2, "handling_unit": "inspectorate"}, None),
    ({"level": 2, "handling_unit": "ward-ben-thanh"}, "handling_unit"),
    ({"level": 3, "handling_unit": "inspectorate", "agencies": ["police"]}, None),
    ({"level": 3, "handling_unit": "ward-ben-thanh", "agencies": ["police"]}, "handling_unit"),
    ({"level": 3, "handling_unit": "inspectorate"}, "agencies"),
])
def test_the_classification_rules_of_the_diagram(parsed, classification, refused_field):
    run = Run(parsed)
    run.do("screen", "intake", **SCREEN_IN)
    if refused_field is None:
        run.do("classify", "intake", **classification)
        assert run.ready()[0][0] == "start_handling"
    else:
        with pytest.raises(Exception) as refused:  # noqa: PT011 - SpiffWorkflow wraps the diagram's refusal
            run.do("classify", "intake", **classification)
        assert str(refused.value).startswith(f"Refused:{refused_field}")


def test_multi_instance_references_resolve_so_the_modeler_keeps_them(xml):
    """bpmn-js drops a loopDataInputRef/loopDataOutputRef that names no element of the file when it saves."""
    ids = {element.get("id") for element in xml.iter() if isinstance(element.tag, str) and element.get("id")}
    refs = [*xml.iterfind(".//bpmn:loopDataInputRef", NS), *xml.iterfind(".//bpmn:loopDataOutputRef", NS)]
    assert len(refs) == 6
    for ref in refs:
        assert ref.text in ids, ref.text
        (item,) = xml.xpath(f".//*[@id='{ref.text}']", namespaces=NS)
        assert etree.QName(item).localname == "property"
