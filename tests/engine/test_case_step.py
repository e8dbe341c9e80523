"""One case step (engine/steps.py) carries submission, completion and timer firing: load under the row version,
act, then save the workflow with its effects, the inbox and the reporter's messages — or save nothing at all."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from SpiffWorkflow.exceptions import WorkflowException
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from engine import cases, directory, versions, workflows
from engine.db import transaction
from engine.errors import CaseSuspended, Conflict, NotFound, ProcessError
from engine.functions import Effects
from engine.models import Case, CaseEvent, InboxItem, Notification, OutboxEmail, ReporterMessage
from engine.steps import case_step
from tests.casedriver import CaseDriver
from tests.factories import add_user, statements


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


def shape(statement: str) -> tuple[str, str]:
    """(verb, table) of an SQL statement, e.g. ("UPDATE", "cases"); subqueries and column lists left out."""
    while re.search(r"\([^()]*\)", statement):
        statement = re.sub(r"\([^()]*\)", " ", statement)
    words = statement.split()
    verb = words[0].upper()
    after = {"SELECT": "FROM", "INSERT": "INTO", "DELETE": "FROM", "UPDATE": "UPDATE"}[verb]
    return verb, words[[w.upper() for w in words].index(after) + 1]


def test_a_completion_sends_one_load_the_reads_of_its_messages_and_its_writes(drive, db_engine):
    """Each statement is a round trip on PostgreSQL (issue 17). Classifying a case: the case with its document and
    inbox rows in one query; the event and the case row (its row-version check first: a concurrent step fails
    before touching the inbox); the recipients of the handling unit's notification and the name of its unit; the
    inbox (the row of the task done becomes the new task's row), the notification and its e-mail in one flush; the
    kind of unit the reporter is told about and the reporter's message — whose unique key is checked by the INSERT
    itself, not by a SELECT before it; the unit's mailbox (its contact address, mailed in the department's
    language). The units (the name in the notification, the mailbox, the kind) come from the process's copy of
    the units list, current by the token read with the case. Nothing for the procedure review's summary: the timer
    worker makes it from the events later."""
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    item, intake = drive.task(case_id, "classify"), drive.actor("intake")
    with transaction(drive.factory) as session:
        add_user(session, "handling_unit", "ward-ben-thanh", "ward.mail", email="ward.mail@example.vn")
    with transaction(drive.factory) as session:
        directory.units_as_of(session, None)  # this process's copy of the units, as any earlier request makes it
    with statements(db_engine) as sent, transaction(drive.factory) as session:
        cases.complete_task(session, intake, case_id, item.task_id, {"level": 1, "handling_unit": "ward-ben-thanh"})
    shapes = [shape(s) for s in sent]
    # two events (status changed, task completed): PostgreSQL writes them in one INSERT, SQLite one by one
    events = [("INSERT", "case_events")] * (1 if db_engine.dialect.name == "postgresql" else 2)
    assert Counter(shapes) == Counter([
        ("SELECT", "cases"), *events,
        ("UPDATE", "cases"), ("SELECT", "users"), ("UPDATE", "inbox_items"), ("INSERT", "notifications"),
        ("INSERT", "outbox_emails"), ("INSERT", "reporter_messages")]), shapes
    assert shapes.index(("UPDATE", "cases")) < shapes.index(("UPDATE", "inbox_items"))
    with transaction(drive.factory) as session:
        [notification] = session.scalars(select(Notification).where(Notification.case_id == case_id)).all()
        assert notification.task_name and notification.role == "handling_unit"
        assert session.scalar(select(func.count()).select_from(OutboxEmail)
                              .where(OutboxEmail.to_addr == "ward.mail@example.vn")) == 1
        assert session.scalar(select(func.count()).select_from(ReporterMessage)
                              .where(ReporterMessage.case_id == case_id)) == 2  # received, classified


def test_the_row_of_a_task_done_becomes_the_next_task_unclaimed_and_opened_now(drive):
    """One UPDATE instead of a DELETE and an INSERT: the row takes the new task whole (a claim of the task done
    never carries over, its opening time is the step's); a case whose tasks multiply gets new rows, one whose tasks
    end loses its rows."""
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 3, "handling_unit": "inspectorate",
                                             "agencies": ["police", "market-mgmt"]})
    [start] = drive.open_tasks(case_id)
    with transaction(drive.factory) as session:
        session.get(InboxItem, start.id).claimed_by = "inspectorate"
    drive.clock.advance(minutes=5)
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    rows = drive.open_tasks(case_id)
    assert start.id in {row.id for row in rows} and len(rows) > 1  # the agencies' tasks: new rows besides
    reused = next(row for row in rows if row.id == start.id)
    assert reused.task_id != start.task_id and reused.task_name != "start_handling"
    assert reused.claimed_by is None and reused.created_at == drive.clock.now()
    with transaction(drive.factory) as session:
        case = session.get(Case, case_id, options=[undefer(Case.workflow_json)])
        ready = workflows.ready_tasks(workflows.loads(case.workflow_json, Effects(),
                                                      versions.parsed(case.process_version)))
    assert {(t.id, t.name, t.unit) for t in ready} == {(r.task_id, r.task_name, r.unit) for r in rows}


def test_one_walk_of_the_task_tree_gives_what_the_three_separate_walks_give(drive):
    """Ready tasks (in order), the next timer and the case deadline, on cases at every stage: level 3 with its
    agencies' parallel tasks, a screening reminder and escalation fired, a closed case."""
    busy, late, closed = drive.report(), drive.report(), drive.report()
    drive.do("intake", busy, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", busy, "classify", {"level": 3, "handling_unit": "inspectorate",
                                          "agencies": ["police", "market-mgmt"]})
    drive.do("intake", closed, "screen", {"screening_outcome": "out_of_scope", "screening_reason": "Không thuộc"})
    drive.advance(hours=4, minutes=1)  # the late case's reminder and escalation fire
    found = []
    for case_id in (busy, late, closed):
        with transaction(drive.factory) as session:
            wf = cases.load_workflow(session.get(Case, case_id))
        facts = workflows.tree_facts(wf)
        assert facts.ready == workflows.ready_tasks(wf)
        assert (facts.next_timer_at, facts.deadline) == (workflows.next_timer_due(wf), workflows.case_deadline(wf))
        found.append(facts)
    assert [len(f.ready) for f in found] == [1, 1, 0]  # the level-3 case's task, the late screening, none
    assert found[0].next_timer_at and found[0].deadline  # the level-3 case's timers are waiting
    assert found[1].ready[0].due_at and found[1].next_timer_at is None  # its timers fired: due, none waiting
