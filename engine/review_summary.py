"""The quarterly review's summary of the step log: what `engine.procedure_review` reads instead of the whole event
log (tables in engine/models_review.py).

- a pass (`review_passes`): every completed user task and every fired timer with its element id, carrying the
  case's previous pass of the same element (`prev_at`): the distinct cases that passed an element in a period
  are the passes in the period whose previous pass lies before it — a sum, not a de-duplication;
- a case's active day (`review_case_days`): a local day (Asia/Ho_Chi_Minh) with any event of the case, with the
  case's previous active day, so the cases with any event in a period are counted the same way.

A case step writes nothing here: its events are born "pending" (`case_events.review_pending`, a column of the
INSERT the step makes anyway), and the timer worker summarises the pending events after each sweep, set-based, a
batch per transaction (`catch_up`). So the review counts the events up to the worker's last sweep — a poll
interval behind at most while the worker runs; `pending_events` says how many are not counted yet. Catch-ups are
serialised (an advisory lock on PostgreSQL, the write lock on SQLite), so each event is summarised once and a
previous pass is never missed. `rebuild` makes everything again from the event log, as the migration that added
the tables does for older events (matching old timer firings, which carried only the timer's name, to the element
of that name in the case's version, when the name is unique there).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased, sessionmaker

from .db import transaction
from .models import Case, CaseEvent, ProcessVersion
from .models_review import ReviewCaseDay, ReviewPass
from .settings import LOCAL_TZ

# Rework loops of the procedure: (task element, form field, value meaning "back again")
REWORK = {
    "verification_rejected": ("verify_result", "verification", "reject"),
    "dispute_reopened": ("review_dispute", "dispute_decision", "reopen"),
}
BATCH = 2000  # events summarised per transaction
_LOCK = 7_302_611  # PostgreSQL advisory lock key of the catch-up
_PENDING = CaseEvent.review_pending.is_(True)


def local_day(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()


def loop_taken(element: str, detail: dict[str, Any] | None) -> bool:
    data = (detail or {}).get("data")
    return isinstance(data, dict) and any(element == task and data.get(field) == value
                                          for task, field, value in REWORK.values())


def pending_events(session: Session, cap: int = 10_000) -> int:
    """How many events the summary does not count yet (at most `cap`; read from a partial index)."""
    return session.scalar(select(func.count()).select_from(
        select(CaseEvent.id).where(_PENDING).limit(cap).subquery())) or 0


def has_pending(session: Session) -> bool:
    """Whether any event waits for the summary (one read of a small partial index)."""
    return session.scalar(_ANY_PENDING) is not None


_ANY_PENDING = select(CaseEvent.id).where(_PENDING).limit(1)


def catch_up(factory: sessionmaker[Session], batch: int = BATCH) -> int:
    """Summarise every pending event, `batch` events per transaction; returns how many. With nothing pending it
    costs one read of an empty partial index and takes no write lock."""
    done = 0
    while True:
        with transaction(factory) as session:
            if not has_pending(session):
                return done
        with transaction(factory) as session:
            summarised = summarise_pending(session.connection(), batch)
        done += summarised
        if summarised < batch:
            return done


def summarise_pending(connection: Connection, batch: int = BATCH) -> int:
    """Summarise up to `batch` pending events (oldest first) in the connection's transaction: they are marked done
    by the transaction's first statement, which also serialises catch-ups."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(_LOCK)))
    oldest = select(CaseEvent.id).where(_PENDING).order_by(CaseEvent.id).limit(batch).scalar_subquery()
    ids = list(connection.scalars(update(CaseEvent).where(CaseEvent.id.in_(oldest))
                                  .values(review_pending=False).returning(CaseEvent.id)))
    if ids:
        _summarise(connection, CaseEvent.id.in_(bindparam("ids", ids, expanding=True)))
    return len(ids)


def rebuild(connection: Connection, *, pending_column: bool = True) -> dict[str, int]:
    """Every summary row again from the event log, set-based (no loop over cases); pending events are marked
    done. `pending_column=False` for the migration that runs before `case_events.review_pending` exists.
    Returns the numbers of rows written (counted afterwards: psycopg gives no row count for an INSERT … SELECT
    sent by SQLAlchemy)."""
    connection.execute(delete(ReviewPass.__table__))
    connection.execute(delete(ReviewCaseDay.__table__))
    if pending_column:
        connection.execute(update(CaseEvent).where(_PENDING).values(review_pending=False))
    _summarise(connection, None)
    return {"passes": connection.scalar(select(func.count()).select_from(ReviewPass)) or 0,
            "case_days": connection.scalar(select(func.count()).select_from(ReviewCaseDay)) or 0}


def _summarise(connection: Connection, events) -> None:
    """Add the passes and active days of the events matching `events` (None: all, into empty tables), each with
    its previous pass/day: for all events by window functions in the INSERT itself; for some, afterwards, set again
    on every row they can change (the rows of their cases from their earliest moment on)."""
    where = [] if events is None else [events]
    source = union_all(*_pass_sources(connection, where)).subquery()
    order = (source.c.at, source.c.event_id)
    previous = func.lag(source.c.at).over(partition_by=(source.c.case_id, source.c.element), order_by=order)
    connection.execute(insert(ReviewPass.__table__).from_select(
        ["case_id", "element", "at", "wait_seconds", "loop_taken", "prev_at"],
        select(source.c.case_id, source.c.element, source.c.at, source.c.wait, source.c.loop,
               previous if events is None else null()).order_by(*order)))
    day = _local_day_sql(connection.dialect.name)
    days = select(CaseEvent.case_id, day.label("day")).where(*where).distinct().subquery()
    known = select(ReviewCaseDay.case_id).where(ReviewCaseDay.case_id == days.c.case_id,
                                                ReviewCaseDay.day == days.c.day)
    previous_day = func.lag(days.c.day).over(partition_by=days.c.case_id, order_by=days.c.day)
    connection.execute(insert(ReviewCaseDay.__table__).from_select(
        ["case_id", "day", "prev_day"], select(days.c.case_id, days.c.day, previous_day if events is None else null())
        .where(~known.exists())))
    if events is not None:
        _set_previous(connection, events)


def _set_previous(connection: Connection, events) -> None:
    """The previous pass/day of every row the new `events` can change: their cases' rows from their earliest
    moment on (an event committed late, with an earlier time, changes its successors' previous pass too)."""
    earliest = connection.scalar(select(func.min(CaseEvent.at)).where(events))
    touched = select(CaseEvent.case_id).where(events).distinct()
    earlier = aliased(ReviewPass)
    connection.execute(update(ReviewPass).where(ReviewPass.case_id.in_(touched), ReviewPass.at >= earliest).values(
        prev_at=select(func.max(earlier.at)).where(
            earlier.case_id == ReviewPass.case_id, earlier.element == ReviewPass.element,
            or_(earlier.at < ReviewPass.at, and_(earlier.at == ReviewPass.at, earlier.id < ReviewPass.id)))
        .scalar_subquery()))
    before = aliased(ReviewCaseDay)
    connection.execute(update(ReviewCaseDay).where(
        ReviewCaseDay.case_id.in_(touched), ReviewCaseDay.day >= local_day(earliest)).values(
        prev_day=select(func.max(before.day)).where(before.case_id == ReviewCaseDay.case_id,
                                                    before.day < ReviewCaseDay.day).scalar_subquery()))


def _local_day_sql(dialect: str):
    if dialect == "postgresql":
        return cast(func.timezone(LOCAL_TZ.key, CaseEvent.at), Date)
    # SQLite keeps UTC text; Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975
    hours = int(LOCAL_TZ.utcoffset(datetime(2000, 1, 1)).total_seconds() // 3600)
    return func.date(CaseEvent.at, f"{hours:+d} hours")


def _pass_sources(connection: Connection, where: list) -> list:
    """(event id, case, element, at, wait, loop) of every pass: completed tasks, timer firings with their element,
    and old firings known only by the timer's name."""
    loop = case(*[(and_(CaseEvent.element == task, CaseEvent.detail[("data", field)].as_string() == value), True)
                  for task, field, value in REWORK.values()], else_=False)

    def rows(element, loop_taken, *conditions):
        return select(CaseEvent.id.label("event_id"), CaseEvent.case_id, element.label("element"), CaseEvent.at,
                      CaseEvent.wait_seconds.label("wait"), loop_taken.label("loop")).where(*conditions, *where)

    sources = [rows(CaseEvent.element, loop, CaseEvent.kind == "task_completed", CaseEvent.element.is_not(None)),
               rows(CaseEvent.element, literal(False), CaseEvent.kind == "timer_fired",
                    CaseEvent.element.is_not(None))]
    by_name = _old_timer_names(connection, where)
    if by_name:
        named = case(*[(and_(Case.process_version_id == version_id, CaseEvent.task_name == name), literal(element))
                       for (version_id, name), element in by_name.items()], else_=null())
        sources.append(rows(named, literal(False), CaseEvent.kind == "timer_fired", CaseEvent.element.is_(None),
                            named.is_not(None)).join(Case, Case.id == CaseEvent.case_id))
    return sources


def _old_timer_names(connection: Connection, where: list) -> dict[tuple[int, str], str]:
    """(version, timer name) → element id, for the versions whose cases have timer firings without an element id,
    where the name is unique among the version's timers."""
    from . import procedure_review  # the diagram's elements; imported here: it imports engine.versions → events

    found: dict[tuple[int, str], str] = {}
    versions = connection.scalars(select(Case.process_version_id).distinct().join(
        CaseEvent, CaseEvent.case_id == Case.id).where(CaseEvent.kind == "timer_fired", CaseEvent.element.is_(None),
                                                       *where))
    with Session(bind=connection) as session:
        for version_id in list(versions):
            timers = [e for e in procedure_review.diagram_elements(session.get(ProcessVersion, version_id)).values()
                      if e.kind == "timer"]
            names = [t.name for t in timers]
            found.update({(version_id, t.name): t.element_id for t in timers if names.count(t.name) == 1})
    return found
