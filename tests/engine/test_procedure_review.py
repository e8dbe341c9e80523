"""The quarterly review of the procedure: per element of a version, passes, waits (median, p90), timers fired
and rework loops, from cases driven through the engine with known times."""
from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from engine import procedure_review, review_summary, versions
from engine.db import transaction
from engine.errors import NotFound, ValidationError
from engine.settings import LOCAL_TZ
from tests.factories import RESULT


@pytest.fixture
def driven(drive):
    """Case B: not screened for 4 h 01 min (reminder and escalation fire), then screened, classification still
    open. Case A (received after): screened in 1 h, classified in 2 h, handled in 1 h, a result in 4 h rejected
    by the inspector after 1 h, a new result 2 h later accepted after 1 h."""
    late = drive.report()
    drive.advance(hours=2, minutes=1)  # the screening reminder fires
    drive.advance(hours=2)  # the screening escalation fires
    drive.do("intake", late, "screen", {"screening_outcome": "in_scope"})
    case = drive.report()
    for hours, (user, task, data) in zip((1, 2, 1, 4, 1, 2, 1), (
            ("intake", "screen", {"screening_outcome": "in_scope"}),
            ("intake", "classify", {"level": 2, "handling_unit": "inspectorate"}),
            ("inspectorate", "start_handling", {"handling_plan": "Kiểm tra"}),
            ("inspectorate", "enter_result", RESULT),
            ("inspector", "verify_result", {"verification": "reject", "verification_comment": "Thiếu ảnh"}),
            ("inspectorate", "enter_result", RESULT),
            ("inspector", "verify_result", {"verification": "accept"})), strict=True):
        drive.clock.advance(hours=hours)
        drive.do(user, case, task, data)
    return late, case


def _review(factory, period="2026-Q4"):
    review_summary.catch_up(factory)  # what the timer worker does after each sweep
    with transaction(factory) as session:
        return procedure_review.review(session, versions.active_version(session), period)


def test_each_task_shows_its_passes_and_how_long_it_waited(driven, factory):
    review = _review(factory)
    assert review.cases == 2
    screen = review.element("screen")
    assert (screen.cases, screen.passes, screen.repeats, screen.measured) == (2, 2, 0, 2)
    assert screen.median_hours == pytest.approx((1 + (4 + 1 / 60)) / 2, abs=0.01)  # the mean of the two middle
    assert screen.p90_hours == pytest.approx(4 + 1 / 60, abs=0.01)  # nearest rank: the larger of two
    classify = review.element("classify")
    assert (classify.cases, classify.median_hours, classify.waiting_now) == (1, 2.0, 1)  # case B waits there
    assert classify.small_sample
    handling = review.element("start_handling")
    assert (handling.passes, handling.median_hours) == (1, 1.0)


def test_rework_loops_show_as_repeated_passes_and_a_rejection_rate(driven, factory):
    review = _review(factory)
    result = review.element("enter_result")
    assert (result.cases, result.passes, result.repeats, result.median_hours, result.p90_hours) == (1, 2, 1, 3.0, 4.0)
    verify = review.element("verify_result")
    assert (verify.passes, verify.repeats, verify.median_hours) == (2, 1, 1.0)
    rejected = next(r for r in review.rework if r.name == "verification_rejected")
    assert (rejected.taken, rejected.out_of, rejected.rate) == (1, 2, 0.5)
    reopened = next(r for r in review.rework if r.name == "dispute_reopened")
    assert (reopened.taken, reopened.out_of, reopened.rate) == (0, 0, None)


def test_each_timer_shows_how_often_it_fired(driven, factory):
    review = _review(factory)
    assert review.element("screening_reminder_timer").passes == 1
    assert review.element("screening_escalation_timer").passes == 1
    assert review.element("escalation_timer").passes == 0  # case A was handled well within 48 h
    assert {e.kind for e in review.elements} == {"task", "timer"}


def test_another_period_counts_nothing_and_bad_periods_and_versions_are_refused(driven, factory):
    empty = _review(factory, "2026-Q3")
    assert empty.cases == 0 and all(e.passes == 0 for e in empty.elements)
    assert _review(factory, "2026-W48").element("screen").passes == 2  # the ISO week of 23 November
    with pytest.raises(ValidationError):
        _review(factory, "2026-Q5")
    with transaction(factory) as session, pytest.raises(NotFound):
        procedure_review.version_by_number(session, 99)


def test_percentiles_use_the_nearest_rank():
    values = [float(v) for v in range(1, 11)]
    assert procedure_review.percentile(values, 90) == 9.0
    assert procedure_review.percentile(values, 50) == 5.0
    assert procedure_review.percentile([7.0], 90) == 7.0


def _log(factory, case_id, at, kind, task_name, detail):
    """An event as engine/events.py `record` wrote it before the review's summary existed (its element and wait
    columns, no summary rows), at a chosen time: the migration that added the summary fills it (`_summarise`)."""
    from engine.events import review_columns
    from engine.models import CaseEvent

    element, wait = review_columns(kind, task_name, at, detail)
    with transaction(factory) as session:
        session.add(CaseEvent(case_id=case_id, at=at, actor="intake", kind=kind, task_name=task_name, detail=detail,
                              element=element, wait_seconds=wait))


def _summarise(factory):
    with transaction(factory) as session:
        review_summary.rebuild(session.connection())


def test_waits_are_ranked_in_the_database_like_the_hand_counted_median_and_p90(drive, factory, clock):
    """Ten classifications that waited 1 h … 10 h (logged in shuffled order): the median is 5.5 h, the p90 9 h.
    One more with a damaged `opened_at` is a pass without a wait; an old timer event without an element id is
    matched to the diagram's timer by its name (events of before the summary, summarised as the migration does)."""
    case_id = drive.report()
    at = clock.now()
    for hours in (7, 2, 10, 1, 5, 9, 3, 8, 6, 4):
        _log(factory, case_id, at, "task_completed", "classify",
             {"opened_at": (at - timedelta(hours=hours)).isoformat()})
    _log(factory, case_id, at, "task_completed", "classify", {"opened_at": "2026-02-30T99:00"})
    with transaction(factory) as session:
        version = versions.active_version(session)
        reminder = procedure_review.review(session, version, "2026-Q4").element("screening_reminder_timer")
    _log(factory, case_id, at, "timer_fired", reminder.name, {"timer_role": "intake"})
    _summarise(factory)
    review = _review(factory)
    classify = review.element("classify")
    assert (classify.passes, classify.cases, classify.repeats, classify.measured) == (11, 1, 10, 10)
    assert (classify.median_hours, classify.p90_hours) == (5.5, 9.0)
    assert not classify.small_sample
    assert review.element("screening_reminder_timer").passes == 1


def test_each_version_counts_its_own_cases_even_when_their_ids_interleave(driven, factory, drive):
    """Case B (reported first) is moved to a new version 2, case C is reported on it, case A stays on version 1:
    version 2's cases lie on both sides of A, and each version still counts exactly its own."""
    from engine.models import Case

    late, _case = driven
    with transaction(factory) as session:
        bundle = copy.deepcopy(versions.active_version(session).bundle)
        bundle["bpmn"]["rapid_response.bpmn"] += "\n<!-- version 2 -->\n"
        session.get(Case, late).process_version_id = versions.deploy(session, bundle, actor="owner").id
    drive.report()  # case C, on version 2
    review_summary.catch_up(factory)
    with transaction(factory) as session:
        first = procedure_review.review(session, procedure_review.version_by_number(session, 1), "2026-Q4")
        second = procedure_review.review(session, procedure_review.version_by_number(session, 2), "2026-Q4")
    assert (first.cases, first.element("screen").passes, first.element("verify_result").passes) == (1, 1, 2)
    assert first.element("classify").waiting_now == 0 and first.element("screening_reminder_timer").passes == 0
    assert (second.cases, second.element("screen").passes, second.element("verify_result").passes) == (2, 1, 0)
    assert (second.element("classify").waiting_now, second.element("screen").waiting_now) == (1, 1)
    assert second.element("screening_reminder_timer").passes == 1


def test_the_review_reads_a_period_as_the_reports_do_a_quarter_or_a_week_not_a_range():
    from engine.procedure_review import parse_period

    start, end = parse_period("2026-q4")
    assert start.astimezone(LOCAL_TZ).isoformat() == "2026-10-01T00:00:00+07:00"
    assert end.astimezone(LOCAL_TZ).isoformat() == "2027-01-01T00:00:00+07:00"
    for written in ("2026-W54", "٢٠٢٦-Q4", "２０２６-W48", "2026-11-01..2026-11-30", ""):
        with pytest.raises(ValidationError):
            parse_period(written)
