"""How the report figures read their indexes where it matters for their speed (bench/report_queries.py): the
ratings from the covering partial index of the citizens' feedback (migration 20261130_0030), not one row of the event
log per answer; on SQLite, the received counts and screening times from one pass of ix_cases_received_at
(migration 20261130_0031)."""
from __future__ import annotations

from sqlalchemy import event, text

from engine import reports, schema
from engine.actors import Actor
from engine.db import transaction
from engine.report_periods import parse_period
from tests.conftest import _truncate, seeded_factory

LEADER = Actor("leader", frozenset({"leadership"}))


def _ratings_statement(engine) -> tuple[str, object]:
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "citizen_feedback" in str(parameters) and "GROUP BY" in statement:
            statements.append((statement, parameters))

    factory = seeded_factory(engine)
    event.listen(engine, "before_cursor_execute", keep)
    try:
        with transaction(factory) as session:
            reports.report(session, LEADER, parse_period("2026-Q4"))
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert len(statements) == 1, "the ratings are counted by one statement"
    return statements[0]


def test_on_sqlite_the_ratings_read_the_feedback_from_the_covering_partial_index(sqlite_engine):
    _truncate(sqlite_engine)
    statement, parameters = _ratings_statement(sqlite_engine)
    with sqlite_engine.connect() as conn:  # the bound task name still selects the partial index
        plan = " / ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    assert "COVERING INDEX ix_case_events_feedback" in plan, plan
    assert "ix_case_events_feedback" in schema.DATABASE_ONLY_INDEXES  # the models leave it out


def test_on_postgresql_the_feedback_index_carries_the_detail_for_an_index_only_scan(postgres_engine):
    with postgres_engine.connect() as conn:
        definition = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_case_events_feedback'"))
    assert "INCLUDE (case_id, detail)" in definition and "citizen_feedback" in definition, definition


def test_on_sqlite_the_counts_by_dimension_and_the_screening_times_are_one_pass_of_a_covering_index(sqlite_engine):
    """engine/report_received.py: no GROUP BY sorting the period's cases, no second read for the screening times."""
    _truncate(sqlite_engine)
    factory = seeded_factory(sqlite_engine)
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "screened_at" in statement:
            statements.append((statement, parameters))

    event.listen(sqlite_engine, "before_cursor_execute", keep)
    try:
        with transaction(factory) as session:
            reports.report(session, LEADER, parse_period("2026-Q4"))
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", keep)
    assert len(statements) == 1, statements
    statement, parameters = statements[0]
    assert "json_array" in statement and "GROUP BY" not in statement
    with sqlite_engine.connect() as conn:
        plan = " / ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    assert plan == "SEARCH cases USING COVERING INDEX ix_cases_received_at (received_at>? AND received_at<?)", plan
