"""Scheduled process instances: the leadership reporting process (processes/bpmn/reporting.bpmn) runs here, not
on a `Case` row, so case lists, the inbox's case queries, Open311 and the reports never meet it.

One row is one instance for one briefing: it waits for its timer (`next_timer_at`, fired by the timer worker
under a lease like a case), then holds the leadership's review task until someone completes it. The instance for
a given schedule and period exists once (unique constraint), so two workers or a rerun never make a second.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .clock import now
from .db import Base, UTCDateTime
from .models import ProcessVersion


class RunStatus(enum.StrEnum):
    WAITING = "waiting"  # its timer has not fired yet
    OPEN = "open"  # the review task is in leadership's inbox
    DONE = "done"  # the task was completed; the instance ended
    FAILED = "failed"  # the diagram failed; see last_error


class ScheduledRun(Base):
    __tablename__ = "scheduled_runs"
    __table_args__ = (
        UniqueConstraint("process_id", "schedule", "period", name="scheduled_run_period"),
        CheckConstraint("status IN ('waiting', 'open', 'done', 'failed')", name="status"),
        Index("ix_scheduled_runs_next_timer_at", "next_timer_at"),
        Index("ix_scheduled_runs_status", "status", "process_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    schedule: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(10))
    briefing_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.WAITING.value)
    workflow_json: Mapped[str] = mapped_column(Text, deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(20))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_title: Mapped[str | None] = mapped_column(String(200))
    task_role: Mapped[str | None] = mapped_column(String(20))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    process_version: Mapped[ProcessVersion] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}
