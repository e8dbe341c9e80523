"""The case list and the one notion of overdue: who lists which cases (scoped in SQL), the filters, when a case is
overdue, and how long handling took once the result is published. On SQLite and PostgreSQL, clock injected."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from engine import caselist, cases, deadlines
from engine.actors import Actor
from engine.caselist import CaseFilter
from engine.db import transaction
from engine.errors import PermissionDenied, ValidationError
from engine.models import Case
from tests.casedriver import CaseDriver

SCREEN_IN = {"screening_outcome": "in_scope"}
RESULT = {"findings": "Cơ sở tiêm filler không phép", "measures": ["fine"], "fine_amount": 10000000,
          "citizen_summary": "Đã xử phạt 10 triệu đồng."}
STAFF = ["intake", "ward", "inspectorate", "chief", "inspector", "police", "market", "labour", "leader", "owner",
         "admin"]


def published(drive: CaseDriver, case_id: int, user: str) -> None:
    drive.do(user, case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    drive.do(user, case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", {"verification": "accept"})


def listed(drive: CaseDriver, username: str, wanted: CaseFilter | None = None) -> set[int]:
    with transaction(drive.factory) as session:
        page = caselist.list_cases(session, drive.actor(username), wanted or CaseFilter(), page_size=500)
        return {row.id for row in page.rows}


def state(drive: CaseDriver, case_id: int) -> deadlines.DeadlineState:
    return deadlines.deadline_state(drive.case(case_id))


@pytest.fixture
def spread(drive, create_case):
    """A level-1 case at Bến Thành, one at Tân Định, a level-3 case with the police, a level-2 case, a report
    not screened yet and a report screened out (closed)."""
    ids = {
        "ben_thanh": create_case(1),
        "tan_dinh": create_case(1, ward="ward-tan-dinh"),
        "level3": create_case(3, agencies=["police"]),
        "level2": create_case(2, category="service_prices"),
        "new": create_case(),
    }
    closed = drive.report(ward="ward-sai-gon")
    drive.do("intake", closed, "screen", {"screening_outcome": "out_of_scope", "screening_reason": "Ngoài phạm vi"})
    ids["closed"] = closed
    return ids


# --- who lists which cases --------------------------------------------------------------------------------------

def test_a_ward_lists_only_the_cases_it_handles(drive, spread):
    assert listed(drive, "ward") == {spread["ben_thanh"]}


def test_an_agency_lists_only_the_cases_it_was_invited_to(drive, spread):
    assert listed(drive, "police") == {spread["level3"]}
    assert listed(drive, "market") == set()
    assert listed(drive, "labour") == set()


def test_the_inspectorate_lists_its_level_2_and_3_cases(drive, spread):
    assert listed(drive, "inspectorate") == listed(drive, "chief") == {spread["level2"], spread["level3"]}


def test_intake_inspectors_and_leadership_list_every_case(drive, spread):
    for user in ("intake", "inspector", "leader", "owner", "admin"):
        assert listed(drive, user) == set(spread.values()), user


def test_the_list_holds_exactly_the_cases_each_user_may_open(drive, spread):
    for user in STAFF:
        actor = drive.actor(user)
        with transaction(drive.factory) as session:
            openable = {c.id for c in session.query(Case) if cases.can_view(actor, c)}
        assert listed(drive, user) == openable, user


def test_a_unit_keeps_its_past_cases_in_the_list(drive, spread):
    published(drive, spread["ben_thanh"], "ward")
    drive.do_as_citizen(spread["ben_thanh"], {"resolved": True, "rating": 5})
    assert drive.case(spread["ben_thanh"]).status == "closed"
    assert listed(drive, "ward", CaseFilter(period="past")) == {spread["ben_thanh"]}
    assert listed(drive, "ward", CaseFilter(period="current")) == set()


def test_a_case_given_to_another_unit_leaves_the_first_units_list(drive, spread):
    drive.advance(hours=24, minutes=1)
    drive.do("leader", spread["ben_thanh"], "review_overdue",
             {"leadership_decision": "reassign", "reassign_to": "ward-sai-gon", "leadership_note": "Chuyển"})
    assert listed(drive, "ward") == set()


def test_roles_without_a_case_list_are_refused():
    with pytest.raises(PermissionDenied):
        caselist.list_cases(None, Actor("deputy", frozenset({"supervisor"}), "inspectorate"), CaseFilter())


def test_a_unit_member_without_a_unit_lists_nothing(drive, spread):
    with transaction(drive.factory) as session:
        page = caselist.list_cases(session, Actor("x", frozenset({"handling_unit", "coordinator"})), CaseFilter())
    assert page.rows == [] and page.total == 0


def test_listing_reads_no_workflow_document(drive, spread, db_engine):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db_engine, "before_cursor_execute", record)
    try:
        for user in ("intake", "ward", "police"):
            listed(drive, user, CaseFilter(overdue=True))
            listed(drive, user)
    finally:
        event.remove(db_engine, "before_cursor_execute", record)
    assert any("FROM cases" in s for s in statements)
    assert not [s for s in statements if "workflow_json" in s]


# --- filters ----------------------------------------------------------------------------------------------------

def test_filters_by_code_status_period_level_category_ward_and_overdue(drive, spread):
    code = drive.case(spread["level2"]).code
    assert listed(drive, "intake", CaseFilter(text=code[:5].lower())) == {spread["level2"]}
    assert listed(drive, "intake", CaseFilter(status="not_accepted")) == {spread["closed"]}
    assert listed(drive, "intake", CaseFilter(period="past")) == {spread["closed"]}
    assert spread["closed"] not in listed(drive, "intake", CaseFilter(period="current"))
    assert listed(drive, "intake", CaseFilter(level=1)) == {spread["ben_thanh"], spread["tan_dinh"]}
    assert listed(drive, "intake", CaseFilter(category="service_prices")) == {spread["level2"]}
    assert listed(drive, "inspectorate", CaseFilter(level=1)) == set()
    assert listed(drive, "intake", CaseFilter(ward="ward-tan-dinh")) == {spread["tan_dinh"]}
    assert listed(drive, "intake", CaseFilter(overdue=True)) == set()
    drive.advance(hours=24, minutes=1)  # the level-1 deadlines pass; the timer worker escalates both
    # ... and the report nobody screened went past its screening deadline (4 h from receipt) long ago
    assert listed(drive, "intake", CaseFilter(overdue=True)) == {spread["ben_thanh"], spread["tan_dinh"], spread["new"]}
    assert listed(drive, "ward", CaseFilter(overdue=True)) == {spread["ben_thanh"]}


@pytest.mark.parametrize("wanted, field", [
    (CaseFilter(status="lost"), "status"), (CaseFilter(period="soon"), "period"), (CaseFilter(level=4), "level"),
    (CaseFilter(text="X" * 201), "q"),
])
def test_a_filter_no_form_offers_is_refused_by_name(drive, wanted, field):
    with transaction(drive.factory) as session, pytest.raises(ValidationError) as refused:
        caselist.list_cases(session, drive.actor("intake"), wanted)
    assert field in refused.value.errors


def test_pages_of_the_list(drive):
    ids = [drive.report() for _ in range(3)]
    with transaction(drive.factory) as session:
        first = caselist.list_cases(session, drive.actor("intake"), CaseFilter(), page=1, page_size=2)
        second = caselist.list_cases(session, drive.actor("intake"), CaseFilter(), page=2, page_size=2)
    assert first.total == second.total == 3 and first.has_next and not second.has_next
    assert [r.id for r in first.rows + second.rows] == sorted(ids, reverse=True)  # newest first


# --- one notion of overdue --------------------------------------------------------------------------------------

def test_an_escalated_case_is_overdue_until_its_result_is_published(drive, create_case):
    case_id = create_case(1)
    received = drive.case(case_id).received_at
    assert state(drive, case_id).kind == "running"
    assert state(drive, case_id).remaining == timedelta(hours=24)
    drive.advance(hours=24, minutes=5)  # the timer worker fires the escalation
    case = drive.case(case_id)
    assert case.overdue and deadlines.is_overdue(case)
    assert (state(drive, case_id).kind, state(drive, case_id).overdue_by) == ("overdue", timedelta(minutes=5))
    drive.clock.advance(hours=6, minutes=55)
    published(drive, case_id, "ward")
    case = drive.case(case_id)
    assert not deadlines.is_overdue(case)  # the flag stays as history; the countdown stopped
    done = state(drive, case_id)
    assert done.kind == "handled"
    assert done.handled.taken == case.published_at - received == timedelta(hours=31)
    assert (done.handled.on_time, done.handled.late_by) == (False, timedelta(hours=7))


def test_a_passed_deadline_counts_as_overdue_before_the_worker_fires(drive, create_case):
    case_id = create_case(1)
    drive.clock.advance(hours=24, seconds=1)  # no sweep yet
    case = drive.case(case_id)
    assert not case.overdue and deadlines.is_overdue(case)
    with transaction(drive.factory) as session:
        assert session.query(Case.id).filter(deadlines.overdue_clause()).all() == [(case_id,)]


def test_the_sql_rule_and_the_python_rule_agree(drive, spread):
    drive.advance(hours=24, minutes=1)
    published(drive, spread["level2"], "inspectorate")
    for at in (drive.clock.now(), drive.clock.now() + timedelta(hours=80)):
        with transaction(drive.factory) as session:
            in_sql = {i for (i,) in session.query(Case.id).filter(deadlines.overdue_clause(at))}
            in_python = {c.id for c in session.query(Case) if deadlines.is_overdue(c, at)}
        assert in_sql == in_python
        assert spread["closed"] not in in_sql and spread["level2"] not in in_sql


def test_a_case_closed_without_a_result_has_no_countdown(drive, spread):
    assert state(drive, spread["closed"]).kind == "closed"
    assert not deadlines.is_overdue(drive.case(spread["closed"]), drive.clock.now() + timedelta(days=30))


def test_a_reopened_case_gets_a_fresh_deadline_and_is_no_longer_overdue(drive, create_case):
    case_id = create_case(2)
    drive.advance(hours=48, minutes=1)
    assert drive.case(case_id).overdue
    published(drive, case_id, "inspectorate")
    drive.do_as_citizen(case_id, {"resolved": False, "rating": 1, "feedback_comment": "Vẫn hoạt động"})
    drive.do("inspector", case_id, "review_dispute", {"dispute_decision": "reopen", "dispute_note": "Kiểm tra lại"})
    case = drive.case(case_id)
    assert case.status == "in_handling" and not case.overdue
    assert state(drive, case_id).kind == "running"
    assert state(drive, case_id).remaining == timedelta(hours=48)
    drive.advance(hours=48, minutes=1)  # the fresh deadline passes: escalated again
    assert drive.case(case_id).overdue and state(drive, case_id).kind == "overdue"


# --- how long handling took ------------------------------------------------------------------------------------

def test_handling_time_at_the_boundaries(clock):
    received = clock.now()
    deadline = received + timedelta(hours=24)
    exactly = deadlines.handling_time(received, deadline, deadline)
    assert (exactly.taken, exactly.on_time, exactly.late_by) == (timedelta(hours=24), True, timedelta(0))
    second_late = deadlines.handling_time(received, deadline + timedelta(seconds=1), deadline)
    assert (second_late.on_time, second_late.late_by) == (False, timedelta(seconds=1))
    at_once = deadlines.handling_time(received, received, deadline)
    assert (at_once.taken, at_once.on_time) == (timedelta(0), True)
    no_deadline = deadlines.handling_time(received, received + timedelta(hours=3), None)
    assert (no_deadline.on_time, no_deadline.late_by) == (None, None)
    with pytest.raises(ValueError, match="before the report was received"):
        deadlines.handling_time(received, received - timedelta(seconds=1), deadline)


def test_a_result_published_in_time_is_on_time(drive, create_case):
    case_id = create_case(2)
    drive.clock.advance(hours=31)
    published(drive, case_id, "inspectorate")
    done = state(drive, case_id)
    assert (done.kind, done.handled.taken, done.handled.on_time) == ("handled", timedelta(hours=31), True)
    drive.advance(hours=30)  # past the old deadline after publication: still on time, nothing overdue
    assert state(drive, case_id).handled.on_time and not deadlines.is_overdue(drive.case(case_id))
