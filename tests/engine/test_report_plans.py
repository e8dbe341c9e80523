"""How the report figures read the database where it matters for their speed (bench/report_queries.py)."""
from __future__ import annotations

from sqlalchemy import event

from engine import reports, schema
from engine.actors import Actor
from engine.db import transaction
from engine.report_periods import parse_period
from tests.conftest import _truncate, seeded_factory

LEADER = Actor("leader", frozenset({"leadership"}))


def test_on_sqlite_the_reports_per_agency_read_the_level_3_cases_agencies_from_an_index(sqlite_engine):
    """Migration 20261130_0029's covering index: no table row per level-3 case (a quarter has thousands)."""
    _truncate(sqlite_engine)
    factory = seeded_factory(sqlite_engine)
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "json_each" in statement:
            statements.append((statement, parameters))

    event.listen(sqlite_engine, "before_cursor_execute", keep)
    try:
        with transaction(factory) as session:
            reports.report(session, LEADER, parse_period("2026-Q4"))
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", keep)
    assert len(statements) == 1, "the agencies are counted by one statement"
    with sqlite_engine.connect() as conn:
        plan = " / ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statements[0][0],
                                                                 statements[0][1]))
    assert "COVERING INDEX ix_cases_level_received_agencies" in plan, plan
    assert "ix_cases_level_received_agencies" in schema.DATABASE_ONLY_INDEXES  # the models leave it out
