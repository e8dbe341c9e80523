"""The quarterly review's summary of the step log, kept on write (engine/review_summary.py): one narrow row per pass
of a diagram element and one row per local day a case had any event. The review of a period reads these from
their indexes instead of ranking and de-duplicating the whole event log."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime


class ReviewPass(Base):
    """A completed user task or a fired timer of a case: its element, when, the case's previous pass of the same
    element (so "distinct cases in a period" is a count of passes whose previous pass lies before the period), the
    task's wait in seconds and whether it took a rework loop."""

    __tablename__ = "review_passes"
    __table_args__ = (
        # a period's passes of each element, read from the index alone
        Index("ix_review_passes_period", "element", "at", "case_id", "prev_at", "loop_taken", "wait_seconds"),
        Index("ix_review_passes_case", "case_id", "element", "at"),  # the previous pass, on write
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    element: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    loop_taken: Mapped[bool] = mapped_column(Boolean, default=False)


class ReviewCaseDay(Base):
    """A local day (Asia/Ho_Chi_Minh) on which a case had at least one event, with the case's previous such day."""

    __tablename__ = "review_case_days"
    __table_args__ = (Index("ix_review_case_days_day", "day", "prev_day", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    prev_day: Mapped[date | None] = mapped_column(Date)
