"""Documents staff attach to a task (inspection record, penalty decision): never public, shown in the case file."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .clock import now
from .db import Base, UTCDateTime


class TaskDocument(Base):
    """A PDF or image attached by a staff member while completing a task; the file lives in the attachment
    store under `storage_key` (a random name)."""

    __tablename__ = "task_documents"
    __table_args__ = (Index("ix_task_documents_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_name: Mapped[str] = mapped_column(String(100))
    task_title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
