"""The quarterly review's summary of the step log (engine/review_summary.py): made by the timer worker from the
events the steps left pending, in batches, whatever the order the events commit in and however many workers run;
the same rows as a rebuild from the event log; and the review read from it gives the figures a plain recount of
the events gives (SQLite and PostgreSQL)."""
from __future__ import annotations

import math
import random
import threading
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from engine import cases, events, procedure_review, review_summary, schema, versions
from engine.actors import Actor
from engine.db import transaction
from engine.models import Case, CaseEvent
from engine.models_review import ReviewCaseDay, ReviewPass
from tests.factories import RESULT

PERIODS = ("2026-W48", "2026-W49", "2026-W50", "2026-W51", "2026-Q4", "2027-Q1")
HANDLER = {1: "ward", 2: "inspectorate"}


def _action(rng: random.Random, task: str, level: int) -> tuple[str, dict]:
    """Who does `task` and with what data; the rework loops are taken now and then."""
    match task:
        case "screen":
            return "intake", {"screening_outcome": "in_scope"}
        case "classify":
            return "intake", {"level": level, "handling_unit": "ward-ben-thanh" if level == 1 else "inspectorate"}
        case "start_handling":
            return HANDLER[level], {"handling_plan": "Kiểm tra"}
        case "enter_result":
            return HANDLER[level], RESULT
        case "verify_result":
            if rng.random() < 0.35:
                return "inspector", {"verification": "reject", "verification_comment": "Thiếu ảnh"}
            return "inspector", {"verification": "accept"}
        case "citizen_feedback":
            if rng.random() < 0.5:
                return "citizen", {"resolved": False, "rating": 1, "feedback_comment": "Vẫn hoạt động"}
            return "citizen", {"resolved": True, "rating": 5}
        case "review_dispute":
            decision = "reopen" if rng.random() < 0.6 else "uphold"
            return "inspector", {"dispute_decision": decision, "dispute_note": "Kiểm tra lại"}
    raise AssertionError(task)


def _step(drive, rng: random.Random, case_id: int, level: int) -> bool:
    """One step of the case (a random open task it can take); now and then first tried in a transaction that fails
    after the step was done (a retried step). False when the case has nothing left to do here."""
    open_tasks = [t for t in drive.open_tasks(case_id) if t.task_name != "review_overdue"]
    if not open_tasks:
        return False
    item = rng.choice(open_tasks)
    user, data = _action(rng, item.task_name, level)
    if rng.random() < 0.2:
        actor = Actor.citizen(drive.case(case_id).code) if user == "citizen" else drive.actor(user)
        with pytest.raises(RuntimeError), transaction(drive.factory) as session:
            cases.complete_task(session, actor, case_id, item.task_id, data)
            raise RuntimeError("the commit failed: the step is retried")
    if user == "citizen":
        drive.do_as_citizen(case_id, data)
    else:
        drive.do(user, case_id, item.task_name, data)
    return True


@pytest.fixture
def mixed(drive):
    """Seven cases of levels 1 and 2 driven at random over four weeks: rejections, disputes reopened and upheld,
    reminders, escalations and auto-closings by the timer worker, retried steps."""
    rng = random.Random(20261130)
    levels = {drive.report(): rng.choice((1, 2)) for _ in range(3)}
    for round_ in range(45):
        if round_ in (6, 14, 22, 30):
            levels[drive.report()] = rng.choice((1, 2))
        case_id = rng.choice(list(levels))
        _step(drive, rng, case_id, levels[case_id])
        drive.advance(hours=rng.uniform(0.5, 18))
    drive.advance(days=8)  # results nobody disputed are closed by the timer
    return levels


def _rows(factory) -> tuple[list, list]:
    with transaction(factory) as session:
        passes = session.execute(select(ReviewPass.case_id, ReviewPass.element, ReviewPass.at, ReviewPass.prev_at,
                                        ReviewPass.wait_seconds, ReviewPass.loop_taken)).tuples().all()
        days = session.execute(select(ReviewCaseDay.case_id, ReviewCaseDay.day, ReviewCaseDay.prev_day)).tuples().all()
    return sorted(passes), sorted(days)


def _recount(session, version, period: str) -> dict:
    """The review's figures counted in Python from the version's events, as the review defines them."""
    start, end = procedure_review.parse_period(period)
    kinds = {e.element_id: e.kind for e in procedure_review.diagram_elements(version).values()}
    rows = session.scalars(select(CaseEvent).join(Case, Case.id == CaseEvent.case_id).where(
        Case.process_version_id == version.id, CaseEvent.at >= start, CaseEvent.at < end)).all()
    passes, loops = defaultdict(list), defaultdict(int)
    for event in rows:
        wanted = {"task_completed": "task", "timer_fired": "timer"}.get(event.kind)
        if wanted and kinds.get(event.element) == wanted:
            passes[event.element].append((event.case_id, event.wait_seconds))
            loops[event.element] += review_summary.loop_taken(event.element, event.detail)
    figures = {}
    for element, found in passes.items():
        waits = sorted(w / 3600 for _c, w in found if w is not None)
        n = len(waits)
        median = round((waits[(n - 1) // 2] + waits[n // 2]) / 2, 2) if n else None
        p90 = round(waits[max(1, math.ceil(n * 9 / 10)) - 1], 2) if n else None
        figures[element] = (len({c for c, _w in found}), len(found), n, median, p90)
    deciding = [task for task, _field, _value in review_summary.REWORK.values()]
    return {"cases": len({e.case_id for e in rows}), "elements": figures,
            "loops": {element: loops[element] for element in deciding if passes[element]}}


def _figures(review: procedure_review.ProcedureReview) -> dict:
    return {"cases": review.cases,
            "elements": {e.element_id: (e.cases, e.passes, e.measured, e.median_hours, e.p90_hours)
                         for e in review.elements if e.passes},
            "loops": {r.element_id: r.taken for r in review.rework if r.out_of}}


def test_the_summary_the_worker_makes_is_what_a_rebuild_from_the_event_log_gives(factory, mixed):
    written = _rows(factory)
    assert len(written[0]) > 60 and any(row[3] is not None for row in written[0])  # repeated passes: rework
    assert any(row[5] for row in written[0]) and any(row[2] is not None for row in written[1])
    with transaction(factory) as session:
        assert review_summary.pending_events(session) == 0
        counted = review_summary.rebuild(session.connection())
    assert _rows(factory) == written
    assert counted == {"passes": len(written[0]), "case_days": len(written[1])}  # on PostgreSQL too (not -1)


def test_in_small_batches_the_summary_is_the_same(factory, mixed):
    rebuilt = _rows(factory)
    with transaction(factory) as session:
        session.execute(delete(ReviewPass))
        session.execute(delete(ReviewCaseDay))
        session.execute(update(CaseEvent).values(review_pending=True))
        pending = review_summary.pending_events(session)
    assert pending > 100
    assert review_summary.catch_up(factory, batch=7) == pending
    assert _rows(factory) == rebuilt


def test_a_step_writes_no_summary_its_events_wait_for_the_workers_sweep(factory, drive):
    case_id = drive.report()
    drive.advance(seconds=1)
    before = _rows(factory)
    with transaction(factory) as session:
        logged = session.scalar(select(func.count()).select_from(CaseEvent))
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    assert _rows(factory) == before
    with transaction(factory) as session:
        step_events = session.scalar(select(func.count()).select_from(CaseEvent)) - logged
        assert step_events >= 1 and review_summary.pending_events(session) == step_events
    assert drive.advance(seconds=1).summarised == step_events
    passes, _days = _rows(factory)
    assert [row[1] for row in passes if row not in before[0]] == ["screen"]
    with transaction(factory) as session:
        assert review_summary.pending_events(session) == 0


def test_an_event_that_commits_late_with_an_earlier_time_still_gets_the_right_previous_pass(factory, drive, clock):
    """A long transaction: its event (screened 2 h ago) commits after later passes of the same element were
    summarised — their previous pass is set again, as a rebuild would."""
    case_id = drive.report()
    at = clock.now()
    for hours in (0, 5, 30):
        _log(factory, case_id, at + timedelta(hours=hours))
    review_summary.catch_up(factory)
    _log(factory, case_id, at - timedelta(hours=2))
    review_summary.catch_up(factory)
    summarised = _rows(factory)
    assert [row[3] for row in summarised[0] if row[1] == "screen"][:2] == [None, at - timedelta(hours=2)]
    with transaction(factory) as session:
        review_summary.rebuild(session.connection())
    assert _rows(factory) == summarised


def test_two_workers_catching_up_at_once_summarise_each_event_once(factory, drive, clock):
    case_ids = [drive.report() for _ in range(3)]
    for hours in range(40):
        _log(factory, case_ids[hours % 3], clock.now() + timedelta(hours=hours))
    counts: list[int] = []
    workers = [threading.Thread(target=lambda: counts.append(review_summary.catch_up(factory, batch=5)))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(counts) == 43  # the reports' events and the 40 screenings, each once
    summarised = _rows(factory)
    with transaction(factory) as session:
        review_summary.rebuild(session.connection())
    assert _rows(factory) == summarised


def _log(factory, case_id: int, at) -> None:
    """A screening completed at `at` (written straight to the log, as a transaction committing late would)."""
    with transaction(factory) as session:
        session.add(CaseEvent(case_id=case_id, at=at, actor="intake", kind="task_completed", task_name="screen",
                              element="screen", wait_seconds=60.0, detail={}))


def test_the_review_read_from_the_summary_equals_a_recount_of_the_events(factory, mixed):
    with transaction(factory) as session:
        version = versions.active_version(session)
        for period in PERIODS:
            review = procedure_review.review(session, version, period)
            assert _figures(review) == _recount(session, version, period), period
        quarter = _figures(procedure_review.review(session, version, "2026-Q4"))
    assert quarter["loops"]["verify_result"] >= 1 and quarter["loops"]["review_dispute"] >= 1
    assert quarter["elements"]["screening_reminder_timer"][1] >= 1  # timers fired
    assert any(cases < passes for cases, passes, *_ in quarter["elements"].values())  # passes beyond the first


def test_a_rolled_back_step_leaves_nothing_pending(factory, drive):
    case_id = drive.report()
    drive.advance(seconds=1)
    before = _rows(factory)
    session = factory()
    try:
        case = session.get(Case, case_id)
        events.record(session, case, "intake", "task_completed", task_name="screen", detail={})
        session.flush()
        assert review_summary.pending_events(session) == 1
        session.rollback()
        assert review_summary.pending_events(session) == 0
    finally:
        session.close()
    assert review_summary.catch_up(factory) == 0 and _rows(factory) == before


def test_the_migration_fills_the_summary_of_events_written_before_it(drive, db_engine, factory):
    from alembic.script import ScriptDirectory

    drive.report()
    drive.advance(hours=4, minutes=1)  # the screening reminder and escalation fire
    with transaction(factory) as session:
        version = versions.active_version(session)
        before = _figures(procedure_review.review(session, version, "2026-W48"))
    assert before["elements"]["screening_escalation_timer"][1] == 1
    written = _rows(factory)
    scripts = ScriptDirectory.from_config(schema.alembic_config(db_engine.url.render_as_string(hide_password=False)))
    [migration] = [s for s in scripts.walk_revisions() if s.path.endswith("_review_summary.py")]
    schema.downgrade(db_engine, migration.down_revision)  # the tables are gone, the events stay
    schema.upgrade(db_engine)
    assert _rows(factory) == written
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(ReviewCaseDay)) == 1
        assert _figures(procedure_review.review(session, versions.active_version(session), "2026-W48")) == before
