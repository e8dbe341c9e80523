"""Bounded diagrams: a mistake in a diagram (a huge value, a runaway timer) fails one step of one case cleanly,
is named at deploy time, and never hangs a thread, bloats a document or takes the service down."""
from __future__ import annotations

import re
import time
import tracemalloc

import pytest
from sqlalchemy import func, select

from engine import cases, events, settings, timers, versions
from engine.db import make_session_factory, transaction
from engine.errors import CaseSuspended, LimitExceeded
from engine.models import AuditEntry, Case, CaseEvent
from engine.settings import Settings
from engine.timer_bounds import TimerValueError, check_timer_value
from engine.validation import validate_bundle
from tests.casedriver import REPORT

ORIGINAL = versions.read_bundle()
MAIN = "rapid_response.bpmn"
BOMB = "bomb = ['a' * 100000] * 2000"
RECEIVED_SCRIPT = '<bpmn:script>set_status("received")\n'
REMINDER_SCRIPT = '<bpmn:script>if "verify_result" in open_tasks():'
DEADLINE_LINE = "deadline_at = hours_after(received_at, sla_hours)"


def variant(old: str, new: str) -> dict:
    text = ORIGINAL["bpmn"][MAIN]
    assert old in text, old
    return {**ORIGINAL, "bpmn": {**ORIGINAL["bpmn"], MAIN: text.replace(old, new, 1)}}


def deploy(factory, bundle: dict) -> None:
    """Deploy without the studio's validation: as if the diagram predates the checks (or a variable is bad)."""
    with transaction(factory) as session:
        versions.deploy(session, bundle, actor="tests")


def case_count(factory) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(Case))


def classify(drive, case_id: int) -> None:
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})


# --- 1. bounded evaluation -------------------------------------------------------------------------------------

def test_a_script_that_builds_a_huge_value_refuses_the_report_quickly_and_saves_nothing(drive):
    deploy(drive.factory, variant(RECEIVED_SCRIPT, f"<bpmn:script>{BOMB}\nset_status(\"received\")\n"))
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(LimitExceeded) as refused:
            drive.report()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 20 * 1024 * 1024  # refused before the 200 MB value was built
    assert "result too large" in " ".join(refused.value.problems)
    assert case_count(drive.factory) == 0


def test_deploy_time_validation_names_the_script_that_goes_over_budget():
    problems = validate_bundle(variant(RECEIVED_SCRIPT, f"<bpmn:script>{BOMB}\nset_status(\"received\")\n"))
    assert [(p.element_id, "result too large" in p.message) for p in problems] == [("set_received", True)]


def test_deploy_time_validation_runs_scripts_on_data_like_a_real_case():
    # without a report in the data the first line fails and nothing grows; with one (its description as long as
    # the report form's minimum, 10 characters: 25 after line 1, 25 × 2¹² after line 13), line 13 goes over
    script = "\n".join(["d = report['description'] + 'xxxxxxxxxxxxxxx'"] + ["d = d + d"] * 16)
    problems = validate_bundle(variant(RECEIVED_SCRIPT, f"<bpmn:script>{script}\nset_status(\"received\")\n"))
    assert [p.element_id for p in problems] == ["set_received"]
    assert "line 13: result too large" in problems[0].message


def test_a_condition_over_budget_is_named_at_deploy_time():
    old = 'verification == "accept"'
    problems = validate_bundle(variant(old, "len(['x' * 90000] * 90) &gt; 0 and " + old))
    assert [p.element_id for p in problems] == ["flow_gw_verification_to_handling_end"]


def test_a_script_over_budget_in_the_timer_worker_is_an_incident_on_that_case_only(drive):
    deploy(drive.factory, variant(REMINDER_SCRIPT, f"<bpmn:script>{BOMB}\nif \"verify_result\" in open_tasks():"))
    broken = drive.report()
    classify(drive, broken)
    before = drive.case(broken)
    result = drive.advance(hours=21)  # the reminder fires and runs the bomb
    assert result.failed == [broken]
    after = drive.case(broken)
    assert after.incident and "result too large" in after.last_error
    assert after.workflow_json == before.workflow_json  # nothing of the failed step was saved
    assert drive.events(broken)[-1] == "incident"
    with transaction(drive.factory) as session:
        assert [c.id for c in timers.troubled_cases(session)] == [broken]


# --- 2. bounded documents --------------------------------------------------------------------------------------

def test_a_case_document_over_the_configured_size_refuses_the_step_and_saves_nothing(db_engine, drive):
    small = make_session_factory(db_engine, Settings(max_case_bytes=50_000))
    deploy(small, variant(RECEIVED_SCRIPT, "<bpmn:script>big = 'a' * 60000\nset_status(\"received\")\n"))
    with pytest.raises(LimitExceeded, match="too large .* at most 50000"), transaction(small) as session:
        cases.submit_report(session, dict(REPORT))
    assert case_count(small) == 0
    drive.report()  # the default limit (1 MB) lets the same case through
    assert case_count(drive.factory) == 1


def test_the_default_document_limit_is_one_megabyte(db_engine):
    with make_session_factory(db_engine)() as session:
        assert settings.of(session).max_case_bytes == settings.DEFAULT_MAX_CASE_BYTES == 1_000_000


def test_duplicate_detection_and_lists_do_not_load_the_workflow_document(drive):
    from engine import citizen

    first, second = drive.report(), drive.report()
    with transaction(drive.factory) as session:
        case = session.get(Case, second)
        other = citizen.similar_open_case(session, case)
        assert other is not None and other.id == first
        assert "workflow_json" not in other.__dict__ and "workflow_json" not in case.__dict__


# --- 3. timers you can trust -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["P99999999999Y", "R/PT0S", "R999999999/PT1S", "9999-12-31T23:59:59-14:00",
                                   "-PT1H", "PT0S", "not a date", "0001-01-01T00:00:00+14:00"])
def test_a_bad_timer_value_in_a_variable_refuses_the_step_and_marks_an_incident(drive, value):
    deploy(drive.factory, variant(DEADLINE_LINE, "deadline_at = report['facility_name']"))
    case_id = drive.report(facility_name=value)
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    before = drive.case(case_id)
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as refused:
        drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    assert time.monotonic() - started < 2  # no hang
    assert value.strip() in " ".join(refused.value.problems) and refused.value.case_id == case_id
    after = drive.case(case_id)
    assert (after.row_version, after.workflow_json) == (before.row_version, before.workflow_json)
    with transaction(drive.factory) as session:
        timers.record_incident(session, case_id, refused.value)
    assert drive.case(case_id).incident


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("duration", "P99999999999Y", "longer than 1 year"),
    ("duration", "P13M", "longer than 1 year"),
    ("duration", "PT59S", "shorter than 1 minute"),
    ("duration", "-PT1H", "not a valid ISO-8601 duration"),
    ("duration", "P1.5D", "not a valid ISO-8601 duration"),
    ("duration", 24, "must be ISO-8601 text, not int"),
    ("cycle", "R/PT0S", "repeats without end"),
    ("cycle", "R0/PT1H", "repeats 0 times"),
    ("cycle", "R999999999/PT1S", "repeats 999999999 times"),
    ("cycle", "R3/PT4M59S", "more often than every 5 minutes"),
    ("cycle", "R3/9999-12-31T23:59:59-14:00/PT1H", "more than 5 years from now"),
    ("date", "9999-12-31T23:59:59-14:00", "more than 5 years from now"),
    ("date", "0001-01-01T00:00:00+14:00", "more than 5 years from now"),
    ("date", "2026-13-45T00:00:00", "not a valid ISO-8601 date-time"),
    ("date", "2026W011", "not a valid ISO-8601 date-time"),
    ("date", "x" * 500, "too long"),
])
def test_timer_values_outside_the_documented_bounds_are_refused_at_once(clock, kind, value, expected):
    started = time.monotonic()
    with pytest.raises(TimerValueError, match=re.escape(expected)):
        check_timer_value(kind, value)
    assert time.monotonic() - started < 0.1


@pytest.mark.parametrize(("kind", "value"), [
    ("duration", "PT1M"), ("duration", "PT24H"), ("duration", "P7D"), ("duration", "P1Y"), ("duration", "P52W"),
    ("cycle", "R1000/PT5M"), ("cycle", "R3/2026-12-01T08:00:00+07:00/PT1H"),
    ("date", "2026-12-01T08:00:00+07:00"), ("date", "2030-01-01T00:00:00Z"), ("date", "2024-01-01"),
])
def test_timer_values_within_the_bounds_are_accepted(clock, kind, value):
    assert check_timer_value(kind, value) == value


@pytest.mark.parametrize(("kind", "literal", "expected"), [
    ("timeDuration", "P99999999999Y", "longer than 1 year"),
    ("timeDuration", "-PT1H", "not a valid ISO-8601 duration"),
    ("timeDuration", "PT10S", "shorter than 1 minute"),
    ("timeCycle", "R/PT0S", "repeats without end"),
    ("timeCycle", "R999999999/PT1S", "repeats 999999999 times"),
    ("timeCycle", "R10/PT1M", "more often than every 5 minutes"),
    ("timeDate", "9999-12-31T23:59:59-14:00", "more than 5 years from now"),
])
def test_literal_timers_out_of_bounds_are_refused_at_deploy_time(kind, literal, expected):
    old = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P7D"</bpmn:timeDuration>'
    new = f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">"{literal}"</bpmn:{kind}>'
    problems = validate_bundle(variant(old, new))
    assert [p.element_id for p in problems] == ["auto_close_timer_definition"]
    assert expected in problems[0].message


@pytest.mark.parametrize(("kind", "literal"), [("timeDuration", "PT1M"), ("timeDuration", "P1Y"),
                                               ("timeCycle", "R1000/PT5M"), ("timeDuration", "P12M")])
def test_timers_at_the_bounds_are_accepted(kind, literal):
    old = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P7D"</bpmn:timeDuration>'
    new = f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">"{literal}"</bpmn:{kind}>'
    assert validate_bundle(variant(old, new)) == []


# --- suspend, resume, cancel -----------------------------------------------------------------------------------

def test_a_suspended_case_fires_no_timers_and_accepts_no_completion_until_resumed(drive):
    case_id = drive.report()
    classify(drive, case_id)
    with transaction(drive.factory) as session:
        timers.suspend_case(session, "admin", case_id, "reminder storm")
    assert drive.advance(hours=21).woken == 0
    with pytest.raises(CaseSuspended, match="reminder storm"):
        drive.do("ward", case_id, "start_handling", {"handling_plan": "Kiểm tra cơ sở"})
    assert drive.task_names(case_id) == ["start_handling"]
    with transaction(drive.factory) as session:
        timers.resume_case(session, "admin", case_id, "fixed the diagram")
    assert drive.advance(minutes=1).fired == 1  # the reminder that fell due meanwhile fires now
    assert drive.events(case_id)[-4:] == ["case_suspended", "case_resumed", "timer_fired", "notified"]
    drive.do("ward", case_id, "start_handling", {"handling_plan": "Kiểm tra cơ sở"})
    with transaction(drive.factory) as session:
        audited = session.scalars(select(AuditEntry.kind).where(AuditEntry.kind.like("case_%"))
                                  .order_by(AuditEntry.id)).all()
        reasons = [e.detail["reason"] for e in events.case_events(session, case_id) if "reason" in e.detail]
    assert audited == ["case_suspended", "case_resumed"]
    assert reasons == ["reminder storm", "fixed the diagram"]


def test_a_cancelled_case_is_closed_with_no_open_tasks_and_no_timers(drive):
    case_id = drive.report()
    classify(drive, case_id)
    with transaction(drive.factory) as session:
        timers.cancel_case(session, "admin", case_id, "test report sent by mistake")
    case = drive.case(case_id)
    assert (case.status, case.outcome, case.next_timer_at) == ("closed", "cancelled", None)
    assert drive.task_names(case_id) == []
    assert drive.advance(hours=100).woken == 0
    with transaction(drive.factory) as session:
        event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                .order_by(CaseEvent.id.desc())).first()
    assert (event.kind, event.detail) == ("case_cancelled", {"reason": "test report sent by mistake"})


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_suspending_needs_a_reason(drive, reason):
    from engine.errors import ValidationError

    case_id = drive.report()
    with pytest.raises(ValidationError), transaction(drive.factory) as session:
        timers.suspend_case(session, "admin", case_id, reason)
