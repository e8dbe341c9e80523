"""How the report figures read their indexes where it matters for their speed (bench/report_queries.py): on SQLite,
the reports per agency from the covering index of the level-3 cases' agencies (migration 20261130_0029) and the
received counts with the screening times from one pass of ix_cases_received_at (20261130_0031); on both databases,
the ratings from the covering partial index of the citizens' feedback (20261130_0030), not one row of the event log
per answer."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, text

from engine import reports, schema
from engine.actors import Actor
from engine.db import transaction
from engine.report_periods import parse_period
from tests.conftest import _truncate, seeded_factory

LEADER = Actor("leader", frozenset({"leadership"}))


def report_statements(engine, wanted: Callable[[str, object], bool]) -> list[tuple[str, object]]:
    """The statements (with their parameters) a quarter's dashboard sends that `wanted` picks, on a seeded database."""
    factory = seeded_factory(engine)
    found = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if wanted(statement, parameters):
            found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with transaction(factory) as session:
            reports.report(session, LEADER, parse_period("2026-Q4"))
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return found


def sqlite_plan(engine, statement: str, parameters) -> str:
    with engine.connect() as conn:  # with the statement's own bound values (a partial index must still be chosen)
        return " / ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


def test_on_sqlite_the_reports_per_agency_read_the_level_3_cases_agencies_from_an_index(sqlite_engine):
    """No table row per level-3 case (a quarter has thousands)."""
    _truncate(sqlite_engine)
    statements = report_statements(sqlite_engine, lambda statement, _parameters: "json_each" in statement)
    assert len(statements) == 1, "the agencies are counted by one statement"
    plan = sqlite_plan(sqlite_engine, *statements[0])
    assert "COVERING INDEX ix_cases_level_received_agencies" in plan, plan
    assert "ix_cases_level_received_agencies" in schema.DATABASE_ONLY_INDEXES  # the models leave it out


def _ratings(statement: str, parameters) -> bool:
    return "citizen_feedback" in str(parameters) and "GROUP BY" in statement


def test_on_sqlite_the_ratings_read_the_feedback_from_the_covering_partial_index(sqlite_engine):
    _truncate(sqlite_engine)
    statements = report_statements(sqlite_engine, _ratings)
    assert len(statements) == 1, "the ratings are counted by one statement"
    plan = sqlite_plan(sqlite_engine, *statements[0])
    assert "COVERING INDEX ix_case_events_feedback" in plan, plan
    assert "ix_case_events_feedback" in schema.DATABASE_ONLY_INDEXES  # the models leave it out


def test_on_postgresql_the_feedback_index_carries_the_detail_for_an_index_only_scan(postgres_engine):
    with postgres_engine.connect() as conn:
        definition = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_case_events_feedback'"))
    assert "INCLUDE (case_id, detail)" in definition and "citizen_feedback" in definition, definition


def test_on_sqlite_the_counts_by_dimension_and_the_screening_times_are_one_pass_of_a_covering_index(sqlite_engine):
    """engine/report_received.py: no GROUP BY sorting the period's cases, no second read for the screening times."""
    _truncate(sqlite_engine)
    statements = report_statements(sqlite_engine, lambda statement, _parameters: "screened_at" in statement)
    assert len(statements) == 1, statements
    statement, parameters = statements[0]
    assert "json_array" in statement and "GROUP BY" not in statement
    plan = sqlite_plan(sqlite_engine, statement, parameters)
    assert plan == "SEARCH cases USING COVERING INDEX ix_cases_received_at (received_at>? AND received_at<?)", plan
