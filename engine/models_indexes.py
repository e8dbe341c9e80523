"""The indexes of the cases table (kept here so engine/models.py stays short)."""
from __future__ import annotations

from sqlalchemy import Index

CASE_INDEXES = (
    Index("ix_cases_next_timer_at", "next_timer_at"),
    Index("ix_cases_closed_at", "closed_at"),
    Index("ix_cases_received_at_id", "received_at", "id"),  # case lists, newest first
    Index("ix_cases_handling_unit_received_at", "handling_unit", "received_at"),  # a unit's case list
    # reports (engine/reports.py): cases received (with their screening: engine/report_received.py), due and
    # published in a period; open cases by status
    Index("ix_cases_received_at", "received_at", "level", "category", "ward", "handling_unit", "source",
          "screened_at"),
    # due and published in a period: covering the on-time/late and time-to-result figures (no row is read)
    Index("ix_cases_deadline_report", "deadline_at", "level", "status", "published_at", "overdue"),
    Index("ix_cases_published_report", "published_at", "received_at", "level"),
    Index("ix_cases_status_deadline", "status", "deadline_at", "level", "ward", "overdue"),
    # a period's level-3 reports (agencies)
    Index("ix_cases_level_received_at", "level", "received_at"),
    Index("ix_cases_process_version_id_id", "process_version_id", "id"),  # a version's cases (the review)
)
