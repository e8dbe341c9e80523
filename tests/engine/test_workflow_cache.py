"""The per-process workflow cache (engine/workflow_cache.py): a case stepped again in this process is not
deserialized again — but only the committed document is ever reused, never one rolled back or changed elsewhere."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from engine import workflow_cache, workflows
from engine.db import transaction
from engine.models import Case
from engine.steps import case_step

SCREEN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}


@pytest.fixture(autouse=True)
def empty_cache():
    workflow_cache.clear()
    yield
    workflow_cache.clear()


def counted(action):
    before = dict(workflow_cache.stats)
    action()
    return {key: workflow_cache.stats[key] - before[key] for key in before}


def test_the_next_step_of_a_case_saved_in_this_process_is_not_deserialized_again(drive, monkeypatch):
    case_id = drive.report()
    loads = []
    monkeypatch.setattr(workflows, "loads", lambda *args: loads.append(args) or pytest.fail("deserialized"))
    assert counted(lambda: drive.do("intake", case_id, "screen", SCREEN)) == {"hits": 1, "misses": 0}
    assert drive.task_names(case_id) == ["classify"]
    assert loads == []


def test_a_step_that_rolled_back_leaves_nothing_in_the_cache(drive):
    case_id = drive.report()
    with pytest.raises(RuntimeError), transaction(drive.factory) as session, \
            case_step(session, case_id, "intake") as step:
        [task] = workflows.ready_tasks(step.workflow)
        step.run(lambda wf: workflows.complete(wf, workflows.find_task(wf, task.id), SCREEN))
        raise RuntimeError("the request failed after the step")
    # the workflow of the rolled-back step was taken out and not put back: the case is read from its document
    assert counted(lambda: drive.do("intake", case_id, "screen", SCREEN)) == {"hits": 0, "misses": 1}
    assert drive.task_names(case_id) == ["classify"]


def test_a_document_changed_by_someone_else_is_read_from_the_database(drive):
    case_id = drive.report()
    other = drive.case(case_id).workflow_json.replace('"case_code"', '"case_code" ', 1)  # same meaning, other text
    with transaction(drive.factory) as session:
        session.execute(update(Case).where(Case.id == case_id).values(workflow_json=other))
    assert counted(lambda: drive.do("intake", case_id, "screen", SCREEN)) == {"hits": 0, "misses": 1}


def test_the_cache_is_bounded(drive, monkeypatch):
    monkeypatch.setattr(workflow_cache, "MAX_ENTRIES", 2)
    for _ in range(4):
        drive.report()
    assert len(workflow_cache._ENTRIES) == 2
