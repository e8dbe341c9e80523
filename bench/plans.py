"""The database's plan for the statement an engine function really sends (captured, then EXPLAINed)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from .databases import Backend


def explain(backend: Backend, run: Callable[[Session], Any], table: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite, of the first SELECT on `table`
    that `run(session)` executes. Runs in a transaction that is rolled back."""
    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if not captured and statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            captured.append((statement, parameters))

    event.listen(backend.engine, "before_cursor_execute", capture)
    try:
        with backend.factory() as session:
            run(session)
            session.rollback()
    finally:
        event.remove(backend.engine, "before_cursor_execute", capture)
    if not captured:
        return f"(no SELECT on {table} was executed)"
    statement, parameters = captured[0]
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if backend.is_postgres else "EXPLAIN QUERY PLAN "
    with backend.engine.connect() as conn:
        rows = list(conn.exec_driver_sql(prefix + statement, parameters))
        conn.rollback()
    if backend.is_postgres:
        return "\n".join(row[0] for row in rows)
    return "\n".join(("  " if row[1] else "") + str(row[-1]) for row in rows)
