"""Report rows kept on write (engine/report_milestones.py): each agency's answers with the start of handling."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime


class AgencyAnswer(Base):
    """An agency's acknowledgement or contribution on a case (a completed task of one of its coordinators) and when
    handling started — the agencies' times over a period are read from one index, not from each case's events."""

    __tablename__ = "agency_answers"
    __table_args__ = (Index("ix_agency_answers_at", "at", "task_name", "agency", "started_at", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_name: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
