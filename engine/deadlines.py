"""One notion of overdue, and how long handling took once the result is published.

A case is *overdue* while it is being handled (received or in handling) and either the diagram's escalation
marked it (`Case.overdue`, set by the `mark_overdue` effect) or its deadline has passed (the escalation timer
fires at that instant; the worker may be a few seconds behind). A fresh deadline (a reopened case) clears the
flag, and the diagram sets it again if that deadline passes too. Lists, the case page, the inbox and Open311
all ask this module, so they never disagree.

Once the result is published the countdown stops: what counts then is how long handling took, from receipt to
publication, and whether that was within the deadline. A case closed without a published result (out of
scope, duplicate) has no countdown at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, and_, false, or_

from .clock import now
from .models import Case, CaseStatus

# While a case is in these states its deadline runs.
HANDLING_STATUSES = frozenset({CaseStatus.RECEIVED.value, CaseStatus.IN_HANDLING.value})
# In these states a published result (if any) ended the handling.
FINISHED_STATUSES = frozenset({CaseStatus.RESULT_PUBLISHED.value, CaseStatus.DISPUTED.value,
                               CaseStatus.CLOSED.value, CaseStatus.NOT_ACCEPTED.value})


class CaseTimes(Protocol):
    """What this module reads from a case (a `Case` or a list row with the same attributes)."""

    status: str
    overdue: bool
    received_at: datetime
    deadline_at: datetime | None
    published_at: datetime | None
    closed_at: datetime | None


def overdue_clause(at: datetime | None = None) -> ColumnElement[bool]:
    """SQL: the case is overdue at `at` (default: the engine clock) — the same rule as `is_overdue`."""
    at = at or now()
    return and_(Case.status.in_(sorted(HANDLING_STATUSES)),
                or_(Case.overdue.is_(True), and_(Case.deadline_at.is_not(None), Case.deadline_at < at)))


NEAR_SHARE = 0.25  # "near the deadline": less than a quarter of the level's time left


def near_deadline_clause(at: datetime, level_hours: dict[int, float]) -> ColumnElement[bool]:
    """SQL: still being handled, not overdue, and less than NEAR_SHARE of its level's hours left at `at`."""
    per_level = [and_(Case.level == level, Case.deadline_at < at + timedelta(hours=hours * NEAR_SHARE))
                 for level, hours in sorted(level_hours.items())]
    return and_(Case.status.in_(sorted(HANDLING_STATUSES)), Case.deadline_at.is_not(None), ~overdue_clause(at),
                or_(*per_level) if per_level else false())


def is_overdue(case: CaseTimes, at: datetime | None = None) -> bool:
    """Whether the case is overdue at `at` (default: the engine clock)."""
    at = at or now()
    if case.status not in HANDLING_STATUSES:
        return False
    return bool(case.overdue) or (case.deadline_at is not None and case.deadline_at < at)


@dataclass(frozen=True)
class HandlingTime:
    """How long handling took, from receipt to the published result, and by how much it missed the deadline."""

    taken: timedelta
    late_by: timedelta | None  # zero when on time; None when the case had no deadline

    @property
    def on_time(self) -> bool | None:
        return None if self.late_by is None else self.late_by == timedelta(0)


def handling_time(received_at: datetime, published_at: datetime, deadline_at: datetime | None) -> HandlingTime:
    """Handling from receipt to publication; a result published exactly at the deadline is on time."""
    if published_at < received_at:
        raise ValueError("a result cannot be published before the report was received")
    late_by = None if deadline_at is None else max(published_at - deadline_at, timedelta(0))
    return HandlingTime(taken=published_at - received_at, late_by=late_by)


@dataclass(frozen=True)
class DeadlineState:
    """What a page shows about a case's deadline.

    `kind` is one of:
    - "handled": the result is published; `handled` says how long it took and whether it was on time;
    - "closed": closed without a published result (out of scope, duplicate): no countdown;
    - "overdue": still being handled and overdue; `overdue_by` is the time since the deadline (None when the
      escalation was not about the current deadline);
    - "running": the countdown runs; `remaining` is the time left;
    - "none": no deadline yet (not classified).
    """

    kind: str
    deadline_at: datetime | None = None
    remaining: timedelta | None = None
    overdue_by: timedelta | None = None
    handled: HandlingTime | None = None


def deadline_state(case: CaseTimes, at: datetime | None = None) -> DeadlineState:
    at = at or now()
    deadline = case.deadline_at
    if case.status in FINISHED_STATUSES:
        if case.published_at is not None:
            return DeadlineState("handled", deadline,
                                 handled=handling_time(case.received_at, case.published_at, deadline))
        return DeadlineState("closed", deadline)
    if is_overdue(case, at):
        overdue_by = at - deadline if deadline is not None and deadline <= at else None
        return DeadlineState("overdue", deadline, overdue_by=overdue_by)
    if deadline is None:
        return DeadlineState("none")
    return DeadlineState("running", deadline, remaining=deadline - at)
