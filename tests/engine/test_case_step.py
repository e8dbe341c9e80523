"""One case step (engine/steps.py) carries submission, completion and timer firing: load under the row version,
act, then save the workflow with its effects, the inbox and the reporter's messages — or save nothing at all."""
from __future__ import annotations

import pytest
from SpiffWorkflow.exceptions import WorkflowException
from sqlalchemy import func, select

from engine import versions, workflows
from engine.db import transaction
from engine.errors import CaseSuspended, Conflict, NotFound, ProcessError
from engine.functions import Effects
from engine.models import Case, CaseEvent, InboxItem
from engine.steps import case_step
from tests.casedriver import CaseDriver


@pytest.fixture
def drive(factory, clock) -> CaseDriver:
    return CaseDriver(factory, clock)


def screen_in(step) -> None:
    [task] = [t for t in workflows.ready_tasks(step.workflow) if t.name == "screen"]
    step.run(lambda wf: workflows.complete(wf, workflows.find_task(wf, task.id),
                                           {"screening_outcome": "in_scope"}))


def test_a_step_saves_the_workflow_and_refreshes_the_inbox(drive):
    case_id = drive.report()
    assert drive.task_names(case_id) == ["screen"]
    with transaction(drive.factory) as session, case_step(session, case_id, "intake") as step:
        version = step.case.row_version
        screen_in(step)
    assert drive.task_names(case_id) == ["classify"]
    assert drive.case(case_id).row_version > version


def test_an_error_inside_the_step_saves_nothing(drive):
    case_id = drive.report()
    before = drive.case(case_id)
    with pytest.raises(RuntimeError), transaction(drive.factory) as session, \
            case_step(session, case_id, "intake") as step:
        screen_in(step)
        raise RuntimeError("the caller changed its mind")
    after = drive.case(case_id)
    assert (after.workflow_json, after.row_version) == (before.workflow_json, before.row_version)
    assert drive.task_names(case_id) == ["screen"]


def test_a_case_changed_since_the_caller_saw_it_is_a_conflict(drive):
    case_id = drive.report()
    seen = drive.case(case_id).row_version
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    with pytest.raises(Conflict, match="changed since you opened it"), transaction(drive.factory) as session, \
            case_step(session, case_id, "intake", expected_version=seen):
        pass


def test_an_unknown_case_is_not_found(factory):
    with pytest.raises(NotFound), transaction(factory) as session, case_step(session, 987654, "intake"):
        pass


def test_a_diagram_failure_becomes_a_process_error_and_nothing_is_saved(drive):
    case_id = drive.report()

    def broken(_wf):
        raise WorkflowException("a gateway found no outgoing flow")

    with pytest.raises(ProcessError, match="could not continue"), transaction(drive.factory) as session, \
            case_step(session, case_id, "intake") as step:
        step.run(broken)
    assert drive.task_names(case_id) == ["screen"]


def test_a_suspended_case_takes_no_step(drive):
    case_id = drive.report()
    with transaction(drive.factory) as session:
        session.get(Case, case_id).suspended = True
    with pytest.raises(CaseSuspended), transaction(drive.factory) as session, \
            case_step(session, case_id, "intake") as step:
        screen_in(step)
    assert drive.task_names(case_id) == ["screen"]


def test_submission_completion_and_timers_each_leave_one_saved_step(drive):
    """Every service goes through the step: after each, the inbox rows match the saved workflow."""
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    assert drive.advance(hours=21).fired == 1  # the reminder
    with transaction(drive.factory) as session:
        case = session.get(Case, case_id)
        loaded = workflows.loads(case.workflow_json, Effects(), versions.parsed(case.process_version))
        saved = {t.id for t in workflows.ready_tasks(loaded)}
        rows = set(session.scalars(select(InboxItem.task_id).where(InboxItem.case_id == case_id)))
        fired = session.scalar(select(func.count()).select_from(CaseEvent)
                               .where(CaseEvent.case_id == case_id, CaseEvent.kind == "timer_fired"))
    assert saved == rows and len(rows) == 1
    assert fired == 1


def test_a_saved_case_loads_only_on_the_process_it_was_saved_with(drive):
    """The document refers to its process spec; handed another process, loading is refused, never guessed."""
    case = drive.case(drive.report())
    parsed = versions.parsed(case.process_version)
    other = versions.ParsedProcess(spec=parsed.subprocess_specs[next(iter(parsed.subprocess_specs))],
                                   subprocess_specs={})
    with pytest.raises(ProcessError, match="not supplied"):
        workflows.loads(case.workflow_json, Effects(), other)
    with pytest.raises(ProcessError, match="not supplied"):
        workflows.loads(case.workflow_json, Effects(), None)
    assert [t.name for t in workflows.ready_tasks(workflows.loads(case.workflow_json, Effects(), parsed))] == [
        "screen"]
