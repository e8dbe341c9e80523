"""How the ratings read the citizens' feedback (migration 20261130_0030's covering partial index): from the index,
not one row of the event log per answer, on SQLite and PostgreSQL."""
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
