"""The procedure's paths run on SpiffWorkflow (with a throwaway script engine, not the restricted one): levels,
rework, multi-instance coordination, screening out, disputes, the screening clock and the classification rules."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.clock import now as clock_now
from engine.functions import agencies_where, any_flagged, keyed, missing
from forms import load_form
from tests.processes.procedure import RECEIVED

pytestmark = pytest.mark.usefixtures("frozen_clock")


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
