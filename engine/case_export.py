"""Export of a staff case list: every case the list shows (all pages, the same search, filters and scope) with
the report's facility, address and description — and the reporter's contact only for the roles that may see it.

Bounded: a list longer than `settings.export_max_rows` is refused whole (never silently cut), with the count, so
the person narrows the filters. Every export is written to the audit log (`cases_exported`: who, the filters,
the format, how many rows, whether contact columns were included) in the caller's transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import caselist, events, models_search, settings
from .actors import Actor
from .cases import may_see_reporter
from .deadlines import overdue_clause
from .errors import PermissionDenied, ValidationError
from .messages import t
from .models import Case

EXPORTED = "cases_exported"
FORMATS = ("csv", "xlsx")


class ExportTooLarge(ValidationError):
    """The list holds more cases than one export may."""

    def __init__(self, total: int, limit: int):
        super().__init__(f"the list has {total} cases; an export holds at most {limit}",
                         {"export": f"at most {limit} cases"})
        self.total = total
        self.limit = limit


@dataclass(frozen=True)
class ExportRow:
    code: str
    received_at: datetime
    status: str
    level: int | None
    category: str | None
    ward: str | None
    handling_unit: str | None
    overdue: bool
    deadline_at: datetime | None
    published_at: datetime | None
    closed_at: datetime | None
    facility: str | None
    address: str | None
    description: str | None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_email: str | None = None


@dataclass(frozen=True)
class CaseExport:
    rows: list[ExportRow]
    with_contact: bool  # whether the reporter columns are part of the export


def _report_field(name: str):
    return Case.report[name].as_string()


def _contact_field(name: str):
    return Case.reporter[name].as_string()


def export_cases(session: Session, actor: Actor, wanted: caselist.CaseFilter, fmt: str) -> CaseExport:
    """The whole list `wanted` within the actor's scope, newest first; recorded in the audit log."""
    if not caselist.may_list(actor):
        raise PermissionDenied(t("no_case_list"))
    if fmt not in FORMATS:
        raise ValidationError(t("invalid_input"), {"format": t("export_format")})
    caselist.check_filter(wanted)
    limit = settings.of(session).export_max_rows
    query = caselist.matching_query(actor, wanted, models_search.full_text_index(session))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if total > limit:
        raise ExportTooLarge(total, limit)
    with_contact = may_see_reporter(actor)
    columns = [Case.code, Case.received_at, Case.status, Case.level, Case.category, Case.ward, Case.handling_unit,
               overdue_clause(), Case.deadline_at, Case.published_at, Case.closed_at,
               _report_field("facility_name"), _report_field("address"), _report_field("description")]
    if with_contact:
        columns += [_contact_field("name"), _contact_field("phone"), _contact_field("email")]
    ordered = query.with_only_columns(*columns).order_by(Case.received_at.desc(), Case.id.desc())
    rows = [ExportRow(*row[:7], bool(row[7]), *row[8:]) for row in session.execute(ordered.limit(limit))]
    events.audit(session, actor.username, EXPORTED, {"format": fmt, "filters": wanted.as_detail(),
                                                     "rows": len(rows), "contact": with_contact})
    return CaseExport(rows, with_contact)
