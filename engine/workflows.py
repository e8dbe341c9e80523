"""The only module that knows SpiffWorkflow's task tree: start, load, save and read a case's workflow."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .budget import LimitError
from .errors import ProcessError
from .functions import Effects, build_functions, parse_timestamp
from .messages import t
from .scripting import SafeScriptEngine
from .versions import ParsedProcess


class _SpecReferenceConverter(BpmnWorkflowConverter):
    """Saves a case's workflow without its process spec: the deployed version holds the spec, and loading takes
    the already-parsed one from the version cache (a level-1 case shrinks from ~65 KB to ~18 KB). Documents
    written with the spec embedded (serializer version without "+ref") still load.

    The parsed spec reaches `from_dict` through the serializer's keyword arguments (`BpmnWorkflowSerializer.
    from_dict(dct, parsed=...)` passes them to the converter of the top-level object)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec_ref"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], parsed: ParsedProcess | None = None) -> BpmnWorkflow:
        if "spec" not in dct:
            if parsed is None or parsed.spec.name != dct.get("spec_ref"):
                raise ProcessError("the workflow refers to a process spec that was not supplied")
            # spec objects pass through the registry unchanged: SpiffWorkflow builds the workflow on them
            dct = {**dct, "spec": parsed.spec, "subprocess_specs": parsed.subprocess_specs}
        return super().from_dict(dct)


SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure({**SPIFF_CONFIG,
                                                                      BpmnWorkflow: _SpecReferenceConverter}))
SERIALIZER_VERSION = f"{SERIALIZER.VERSION}+ref"

# timerRole values a boundary timer may carry (diagram extension property)
DUE_ROLES = frozenset({"deadline", "case_deadline"})


@dataclass(frozen=True)
class TaskInfo:
    """What the rest of the system needs to know about a READY manual task."""

    id: str
    name: str
    title: str
    role: str | None
    unit: str | None
    form: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class FiredTimer:
    task_id: str
    name: str
    role: str | None
    element: str | None = None  # the timer's element id in the diagram


def script_engine_for(effects: Effects, workflow: Callable[[], BpmnWorkflow | None] = lambda: None) -> SafeScriptEngine:
    """The restricted engine for one case; `workflow` gives the case's workflow to the read-only `open_tasks`."""

    def open_task_ids() -> list[str]:
        wf = workflow()
        return [] if wf is None else [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY, manual=True)]

    return SafeScriptEngine(build_functions(effects, open_task_ids))


def start(parsed: ParsedProcess, data: dict[str, Any], effects: Effects) -> BpmnWorkflow:
    started: list[BpmnWorkflow] = []
    wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs,
                      script_engine=script_engine_for(effects, lambda: started[0] if started else None))
    started.append(wf)
    first = wf.get_next_task(state=TaskState.READY)
    first.set_data(**data)
    engine_steps(wf)
    return wf


# A step runs at most MAX_STEP_TASKS tasks of the engine (scripts, gateways, events) before it waits for a person or
# a timer, and no task may be more than MAX_PATH_DEPTH tasks from the start of its case. SpiffWorkflow bounds
# neither: a loop that never waits runs for ever, and past 1,000 tasks deep its task iterator no longer sees the
# tasks, so the workflow would look finished. In the shipped procedure's scenario tests the largest step runs 13
# tasks and the deepest path is 27 tasks long (its loops start again from their beginning instead of going deeper).
# Each evaluation has its own second (engine.budget); the step's tasks together have MAX_STEP_SECONDS of wall-clock
# time, checked before each task (so a step ends within that plus one evaluation's second).
MAX_STEP_TASKS = 500
MAX_PATH_DEPTH = 900
MAX_STEP_SECONDS = 10.0
_DEPTH_EVERY = 16  # the depth is read on the first task and every 16th (reading it walks the path)


def engine_steps(wf: BpmnWorkflow) -> None:
    """`do_engine_steps` within the bounds above; over one, the step stops with a LimitError (nothing is saved)."""
    count, started = 0, time.monotonic()

    def counted(task: Task) -> None:
        nonlocal count
        count += 1
        if count > MAX_STEP_TASKS or (count % _DEPTH_EVERY == 1 and task.depth > MAX_PATH_DEPTH):
            _stop_step(task)
        if time.monotonic() - started > MAX_STEP_SECONDS:
            _stop_step(task, LimitError(t("b_time", limit=MAX_STEP_SECONDS)))

    wf.do_engine_steps(will_complete_task=counted)


def _stop_step(task: Task, error: LimitError | None = None) -> None:
    """Stop the step at `task` over a bound (a loop unless `error` says otherwise), as SpiffWorkflow reports a
    task's failure, so that callers see the limit (engine.steps.run_step: LimitExceeded)."""
    error = error or LimitError(t("b_loop", limit=MAX_STEP_TASKS, depth=MAX_PATH_DEPTH))
    raise WorkflowTaskException(str(error), task=task) from error


def dumps(wf: BpmnWorkflow) -> str:
    return SERIALIZER.serialize_json(wf)


def loads(text: str, effects: Effects, parsed: ParsedProcess) -> BpmnWorkflow:
    """Deserialize on the version's parsed spec and always put the restricted script engine back (it is not
    serialized)."""
    dct = json.loads(text, cls=SERIALIZER.json_decoder_cls)
    SERIALIZER.migrate(dct)
    wf = SERIALIZER.from_dict(dct, parsed=parsed)
    wf.script_engine = script_engine_for(effects, lambda: wf)
    return wf


def find_task(wf: BpmnWorkflow, task_id: str) -> Task | None:
    try:
        uuid = UUID(str(task_id))
    except ValueError:
        return None
    try:
        return wf.get_task_from_id(uuid)
    except TaskNotFoundException:
        return None


def properties(task: Task) -> dict[str, str]:
    return dict((getattr(task.task_spec, "extensions", None) or {}).get("properties", {}))


def ready_tasks(wf: BpmnWorkflow) -> list[TaskInfo]:
    return [describe(t) for t in wf.get_tasks(state=TaskState.READY, manual=True)]


def describe(task: Task) -> TaskInfo:
    props = properties(task)
    unit_var = props.get("unitVariable")
    unit = task.data.get(unit_var) if unit_var else None
    return TaskInfo(
        id=str(task.id),
        name=task.task_spec.bpmn_id or task.task_spec.name,
        title=task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name,
        role=task.task_spec.lane,
        unit=unit if isinstance(unit, str) else None,
        form=props.get("formJsonSchemaFilename"),
        due_at=task_due(task),
    )


def _timer_value(task: Task) -> datetime | None:
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if value is None:
        return None
    return parse_timestamp(value)


def _is_timer(task: Task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def _attached_timers(task: Task) -> list[Task]:
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return []
    return [t for t in parent.children if t is not task and _is_timer(t)]


def task_due(task: Task) -> datetime | None:
    """The earliest due timer (timerRole deadline/case_deadline) on the task or on any enclosing subprocess."""
    dues: list[datetime] = []
    current: Task | None = task
    while current is not None:
        for timer in _attached_timers(current):
            if properties(timer).get("timerRole") in DUE_ROLES and timer.state in (
                    TaskState.WAITING, TaskState.READY, TaskState.COMPLETED):
                value = _timer_value(timer)
                if value is not None:
                    dues.append(value)
        parent_id = current.workflow.parent_task_id
        current = current.workflow.top_workflow.get_task_from_id(parent_id) if parent_id else None
    return min(dues) if dues else None


def waiting_timers(wf: BpmnWorkflow) -> list[Task]:
    return [t for t in wf.get_tasks(state=TaskState.WAITING) if _is_timer(t)]


def next_timer_due(wf: BpmnWorkflow) -> datetime | None:
    return _earliest(waiting_timers(wf))


def _earliest(timers: list[Task]) -> datetime | None:
    values = [v for v in map(_timer_value, timers) if v is not None]
    return min(values) if values else None


def case_deadline(wf: BpmnWorkflow) -> datetime | None:
    """The due time of the newest case-deadline timer (waiting first, else the last that fired)."""
    return _deadline([t for t in wf.get_tasks(state=TaskState.WAITING | TaskState.COMPLETED)
                      if _is_timer(t) and properties(t).get("timerRole") == "case_deadline"])


def _deadline(timers: list[Task]) -> datetime | None:
    waiting = [t for t in timers if t.state == TaskState.WAITING]
    values = [v for v in map(_timer_value, waiting or timers) if v is not None]
    return max(values) if values else None


@dataclass(frozen=True)
class TreeFacts:
    """What saving a step needs from the task tree: `ready_tasks`, `next_timer_due` and `case_deadline`."""

    ready: list[TaskInfo]
    next_timer_at: datetime | None
    deadline: datetime | None


def tree_facts(wf: BpmnWorkflow) -> TreeFacts:
    """`ready_tasks`, `next_timer_due` and `case_deadline` from one walk of the task tree instead of three (the
    same tasks in the same order: the walks differed only in their filters)."""
    ready, waiting, deadlines = [], [], []
    for task in wf.get_tasks_iterator():
        state = task.state
        if state == TaskState.READY and task.task_spec.manual:
            ready.append(task)
        elif state in (TaskState.WAITING, TaskState.COMPLETED) and _is_timer(task):
            if state == TaskState.WAITING:
                waiting.append(task)
            if properties(task).get("timerRole") == "case_deadline":
                deadlines.append(task)
    return TreeFacts([describe(t) for t in ready], _earliest(waiting), _deadline(deadlines))


def fire_due_timers(wf: BpmnWorkflow) -> list[FiredTimer]:
    """Fire every timer that is due by the engine clock; returns the timers that fired."""
    before = {t.id: t for t in waiting_timers(wf)}
    wf.refresh_timers()
    engine_steps(wf)
    fired = []
    for task_id, task in before.items():
        if task.state != TaskState.WAITING:
            fired.append(FiredTimer(str(task_id), task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                                    properties(task).get("timerRole"), task.task_spec.bpmn_id))
    return fired


def complete(wf: BpmnWorkflow, task: Task, data: dict[str, Any]) -> None:
    if task.depth > MAX_PATH_DEPTH:  # a loop of tasks for people only, repeated hundreds of times
        _stop_step(task)
    task.set_data(**data)
    task.run()
    engine_steps(wf)


def set_variable_on_open_tasks(wf: BpmnWorkflow, name: str, value: Any) -> None:
    """Change a variable on every task not yet finished that carries it (used by reassignment)."""
    for task in wf.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        if name in task.data:
            task.data[name] = value


def replace_unit_on_open_tasks(wf: BpmnWorkflow, old: str, new: str) -> bool:
    """Replace a unit code in the data of every task not yet finished (used when units merge): single values equal
    to `old` and `old` inside lists (the invited agencies). Whether anything changed."""
    changed = False
    for task in wf.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        for name, value in list(task.data.items()):
            if value == old:
                task.data[name], changed = new, True
            elif isinstance(value, list) and old in value:
                task.data[name] = list(dict.fromkeys(new if v == old else v for v in value))
                changed = True
    return changed


def diagram_state(wf: BpmnWorkflow) -> dict[str, list[str]]:
    """Diagram element ids of the case's open tasks and of everything already done (for the diagram view)."""
    active: set[str] = set()
    done: set[str] = set()
    for task in wf.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.READY and task.task_spec.manual:
            active.add(bpmn_id)
        elif task.state == TaskState.COMPLETED:
            done.add(bpmn_id)
    return {"active": sorted(active), "completed": sorted(done - active)}
