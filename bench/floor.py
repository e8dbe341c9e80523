"""The floor of a durable lifecycle in this design, measured on the same database and the same data as the
persisted lifecycle: SpiffWorkflow's steps in memory, plus at every step one load of the case document's bytes,
one deserialize, one serialize and one commit of those bytes (a plain table of documents, no ORM).

Nothing a durable step does can be cheaper than this: whatever the engine adds above it (inbox rows, events,
notifications, row versions, checks) is what `over_floor` = persisted ÷ floor measures.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, Table, Text, event, insert, select, update

from engine import versions, workflows
from engine.clock import now
from engine.functions import Effects

from .lifecycle import REPORT, steps

_METADATA = MetaData()
# Only in the benchmark's own databases (created on first use), never in the application's schema.
DOCUMENTS = Table("bench_floor_documents", _METADATA, Column("id", Integer, primary_key=True),
                  Column("document", Text, nullable=False))


def prepare(engine: Engine) -> None:
    _METADATA.create_all(engine)


def run_floor(engine: Engine, parsed: versions.ParsedProcess, level: int) -> int:
    """One lifecycle at its floor, one transaction per step (the report, then each user task). Returns the row id."""
    with engine.begin() as conn:
        wf = workflows.start(parsed, {"report": REPORT, "received_at": now().isoformat(),
                                      "case_code": "BENCH-00000"}, Effects())
        row_id = conn.execute(insert(DOCUMENTS).values(document=workflows.dumps(wf))).inserted_primary_key[0]
    for step in steps(level):
        with engine.begin() as conn:
            document = conn.execute(select(DOCUMENTS.c.document).where(DOCUMENTS.c.id == row_id)).scalar_one()
            wf = workflows.loads(document, Effects(), parsed)
            info = next(t for t in workflows.ready_tasks(wf)
                        if t.name == step.task and (step.unit is None or t.unit == step.unit))
            workflows.complete(wf, workflows.find_task(wf, info.id), step.data)
            conn.execute(update(DOCUMENTS).where(DOCUMENTS.c.id == row_id).values(document=workflows.dumps(wf)))
    if not wf.is_completed():
        raise AssertionError("the floor's workflow did not complete")
    return row_id


@contextmanager
def statements_counted(engine: Engine) -> Iterator[list[int]]:
    """Counts the SQL statements sent through `engine` inside the block (BEGIN/COMMIT are not statements)."""
    count = [0]

    def counted(*_: Any) -> None:
        count[0] += 1
    event.listen(engine, "before_cursor_execute", counted)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", counted)


def statements_per_lifecycle(engine: Engine, run: Callable[[int], Any]) -> float:
    """Mean SQL statements of one lifecycle, levels 1–3 weighing the same."""
    with statements_counted(engine) as count:
        for level in (1, 2, 3):
            run(level)
    return count[0] / 3
