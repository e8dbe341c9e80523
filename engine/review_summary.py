"""The quarterly review's summary of the step log, kept on write: what `engine.procedure_review` reads instead of
the whole event log (tables in engine/models_review.py).

- a pass (`review_passes`): every completed user task and every fired timer with its element id, written with its
  event (`note`, called by `engine.events.record`), carrying the case's previous pass of the same element
  (`prev_at`): the distinct cases that passed an element in a period are the passes in the period whose previous
  pass lies before it — a sum, not a de-duplication;
- a case's active day (`review_case_days`): the first event of a case on a local day (Asia/Ho_Chi_Minh) writes
  the day with the case's previous active day, so the cases with any event in a period are counted the same way.

Both are written in the event's transaction (a rolled-back or retried step leaves nothing), by one statement
each that finds the previous pass/day itself (no read first). `rebuild` makes them again from the event log, as
the migration that added them does for older events (matching old timer firings, which carried only the timer's
name, to the element of that name in the case's version, when the name is unique there).
"""
from __future__ import annotations

import weakref
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, and_, case, cast, delete, func, insert, literal, null, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .models import Case, CaseEvent, ProcessVersion
from .models_review import ReviewCaseDay, ReviewPass
from .settings import LOCAL_TZ

# Rework loops of the procedure: (task element, form field, value meaning "back again")
REWORK = {
    "verification_rejected": ("verify_result", "verification", "reject"),
    "dispute_reopened": ("review_dispute", "dispute_decision", "reopen"),
}
_NOTED = "review_summary.days"  # session.info key: the (case, day) rows this transaction has written


def local_day(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()


def pass_element(kind: str, element: str | None) -> str | None:
    """The element an event is a pass of: a completed task's or a fired timer's element id (None: not a pass)."""
    return element if kind in ("task_completed", "timer_fired") else None


def loop_taken(element: str, detail: dict[str, Any] | None) -> bool:
    data = (detail or {}).get("data")
    return isinstance(data, dict) and any(element == task and data.get(field) == value
                                          for task, field, value in REWORK.values())


def note(session: Session, case: Case, event: CaseEvent) -> None:
    """Summarise one event of `case` as it is recorded (in the same transaction)."""
    connection = session.connection()  # Core statements: no autoflush, nothing read back
    day, noted = local_day(event.at), _noted(session)
    if (case.id, day) not in noted:
        connection.execute(_day_insert(connection.dialect.name, case.id, day))
        noted.add((case.id, day))
    element = pass_element(event.kind, event.element)
    if element is not None:
        previous = (select(func.max(ReviewPass.at))
                    .where(ReviewPass.case_id == case.id, ReviewPass.element == element, ReviewPass.at <= event.at)
                    .scalar_subquery())
        connection.execute(insert(ReviewPass.__table__).values(
            case_id=case.id, element=element, at=event.at, prev_at=previous, wait_seconds=event.wait_seconds,
            loop_taken=loop_taken(element, event.detail)))


def _noted(session: Session) -> set[tuple[int, date]]:
    """The case days written in the session's current (innermost) transaction; a new transaction starts empty, so
    after a rollback nothing is skipped. Saves the day's statement for the step's second and later events."""
    current = session.get_nested_transaction() or session.get_transaction()
    memo = session.info.get(_NOTED)
    if memo is None or memo[0]() is not current:
        memo = session.info[_NOTED] = (weakref.ref(current), set())
    return memo[1]


def _day_insert(dialect: str, case_id: int, day: date):
    previous = (select(func.max(ReviewCaseDay.day)).where(ReviewCaseDay.case_id == case_id, ReviewCaseDay.day < day)
                .scalar_subquery())
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (upsert(ReviewCaseDay.__table__).values(case_id=case_id, day=day, prev_day=previous)
            .on_conflict_do_nothing(index_elements=["case_id", "day"]))


def rebuild(connection: Connection) -> dict[str, int]:
    """Every summary row again from the event log — set-based statements, the previous pass/day by window
    function, no loop over cases. Returns the numbers of rows written."""
    connection.execute(delete(ReviewPass.__table__))
    connection.execute(delete(ReviewCaseDay.__table__))
    source = union_all(*_pass_sources(connection)).subquery()
    previous = func.lag(source.c.at).over(partition_by=(source.c.case_id, source.c.element),
                                          order_by=(source.c.at, source.c.event_id))
    passes = connection.execute(insert(ReviewPass.__table__).from_select(
        ["case_id", "element", "at", "wait_seconds", "loop_taken", "prev_at"],
        select(source.c.case_id, source.c.element, source.c.at, source.c.wait, source.c.loop, previous)))
    days = select(CaseEvent.case_id, _local_day_sql(connection.dialect.name).label("day")).distinct().subquery()
    previous_day = func.lag(days.c.day).over(partition_by=days.c.case_id, order_by=days.c.day)
    active = connection.execute(insert(ReviewCaseDay.__table__).from_select(
        ["case_id", "day", "prev_day"], select(days.c.case_id, days.c.day, previous_day)))
    return {"passes": passes.rowcount, "case_days": active.rowcount}


def _local_day_sql(dialect: str):
    if dialect == "postgresql":
        return cast(func.timezone(LOCAL_TZ.key, CaseEvent.at), Date)
    # SQLite keeps UTC text; Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975
    hours = int(LOCAL_TZ.utcoffset(datetime(2000, 1, 1)).total_seconds() // 3600)
    return func.date(CaseEvent.at, f"{hours:+d} hours")


def _pass_sources(connection: Connection) -> list:
    """(event id, case, element, at, wait, loop) of every pass: completed tasks, timer firings with their element,
    and old firings known only by the timer's name."""
    loop = case(*[(and_(CaseEvent.element == task, CaseEvent.detail[("data", field)].as_string() == value), True)
                  for task, field, value in REWORK.values()], else_=False)

    def rows(element, loop_taken, *where):
        return select(CaseEvent.id.label("event_id"), CaseEvent.case_id, element.label("element"), CaseEvent.at,
                      CaseEvent.wait_seconds.label("wait"), loop_taken.label("loop")).where(*where)

    sources = [rows(CaseEvent.element, loop, CaseEvent.kind == "task_completed", CaseEvent.element.is_not(None)),
               rows(CaseEvent.element, literal(False), CaseEvent.kind == "timer_fired",
                    CaseEvent.element.is_not(None))]
    by_name = _old_timer_names(connection)
    if by_name:
        named = case(*[(and_(Case.process_version_id == version_id, CaseEvent.task_name == name), literal(element))
                       for (version_id, name), element in by_name.items()], else_=null())
        sources.append(rows(named, literal(False), CaseEvent.kind == "timer_fired", CaseEvent.element.is_(None),
                            named.is_not(None)).join(Case, Case.id == CaseEvent.case_id))
    return sources


def _old_timer_names(connection: Connection) -> dict[tuple[int, str], str]:
    """(version, timer name) → element id, for the versions whose cases have timer firings without an element id,
    where the name is unique among the version's timers."""
    from . import procedure_review  # the diagram's elements; imported here: it imports engine.versions → events

    found: dict[tuple[int, str], str] = {}
    versions = connection.scalars(select(Case.process_version_id).distinct().join(
        CaseEvent, CaseEvent.case_id == Case.id).where(CaseEvent.kind == "timer_fired", CaseEvent.element.is_(None)))
    with Session(bind=connection) as session:
        for version_id in list(versions):
            timers = [e for e in procedure_review.diagram_elements(session.get(ProcessVersion, version_id)).values()
                      if e.kind == "timer"]
            names = [t.name for t in timers]
            found.update({(version_id, t.name): t.element_id for t in timers if names.count(t.name) == 1})
    return found
