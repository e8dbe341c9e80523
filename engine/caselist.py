"""The case list: who may list which cases, searched and filtered in SQL, one page at a time.

Intake, inspectors, leadership, process owners and administrators list every case; a handling unit lists the
cases it handles; an agency coordinator lists the cases their agency was invited to — current and past. The
scope is applied in the query (the same rule as `cases.can_view`), and only summary columns are read: a list
never loads a workflow document.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, cast, false, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from . import case_filters, models_search, search_text
from .actors import Actor
from .cases import SEE_ALL_CASES
from .deadlines import overdue_clause
from .errors import PermissionDenied, ValidationError
from .messages import t
from .models import Case, CaseStatus, Role

# Roles that have a case list (each limited by `scope_clause`).
LIST_ROLES = SEE_ALL_CASES | {Role.HANDLING_UNIT, Role.COORDINATOR}
PAST_STATUSES = frozenset({CaseStatus.CLOSED.value, CaseStatus.NOT_ACCEPTED.value})
PERIODS = ("current", "past")
PAGE_SIZE = 50
MAX_TEXT = 200
WALK_FROM = 1_000  # matches from which a page walks the cases newest first (fewer: they are looked up and sorted)
MAX_UNIT = 40


class json_list_has(FunctionElement):  # noqa: N801 - named like the SQL function it stands for
    """SQL: the JSON list in `column` contains the string `value` (JSON membership differs per database)."""

    type = Boolean()
    inherit_cache = True
    name = "json_list_has"


@compiles(json_list_has, "postgresql")
def _json_list_has_postgresql(element, compiler, **kw) -> str:
    column, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({column} AS JSONB) @> jsonb_build_array(CAST({value} AS TEXT)))"


@compiles(json_list_has, "sqlite")
def _json_list_has_sqlite(element, compiler, **kw) -> str:
    column, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"  # noqa: S608 - compiled clauses, bound values


def json_list_items(session: Session, column):
    """SQL: the strings of the JSON list in `column`, as a table (column `value`) to join each row with; a JSON null
    (no list) gives no rows."""
    if session.get_bind().dialect.name == "postgresql":
        value = cast(column, JSONB)
        listed = sql_case((func.jsonb_typeof(value) == "array", value), else_=func.jsonb_build_array())
        return func.jsonb_array_elements_text(listed).table_valued("value")
    return func.json_each(column).table_valued("value")


@dataclass(frozen=True)
class CaseFilter:
    """What a case list asks for; every field optional."""

    text: str | None = None  # words of the code, facility, address or description (accents and case ignored)
    status: str | None = None
    period: str | None = None  # "current" (still open) | "past" (closed or not accepted)
    level: int | None = None
    category: str | None = None
    ward: str | None = None
    overdue: bool = False
    unit: str | None = None  # handling unit
    received_from: datetime | None = None  # inclusive
    received_until: datetime | None = None  # exclusive

    def as_detail(self) -> dict[str, Any]:
        """The filters that are set, as JSON-safe values (for the audit log)."""
        detail: dict[str, Any] = {}
        for name, value in vars(self).items():
            if value not in (None, False, ""):
                detail[name] = value.isoformat() if isinstance(value, datetime) else value
        return detail


@dataclass(frozen=True)
class CaseRow:
    """A case as a list shows it (summary columns only)."""

    id: int
    code: str
    status: str
    level: int | None
    category: str | None
    ward: str | None
    handling_unit: str | None
    overdue: bool
    received_at: datetime
    deadline_at: datetime | None
    published_at: datetime | None
    closed_at: datetime | None
    facility: str | None = None


FACILITY = Case.report["facility_name"].as_string()
ROW_COLUMNS = (Case.id, Case.code, Case.status, Case.level, Case.category, Case.ward, Case.handling_unit,
               Case.overdue, Case.received_at, Case.deadline_at, Case.published_at, Case.closed_at, FACILITY)


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.total > self.page * self.page_size


def may_list(actor: Actor) -> bool:
    return bool(actor.roles & LIST_ROLES)


def scope_clause(actor: Actor) -> ColumnElement[bool] | None:
    """SQL limiting cases to those the actor may open (None: every case)."""
    if actor.roles & SEE_ALL_CASES:
        return None
    if actor.unit is None:
        return false()
    parts: list[ColumnElement[bool]] = []
    if Role.HANDLING_UNIT in actor.roles:
        parts.append(Case.handling_unit == actor.unit)
    if Role.COORDINATOR in actor.roles:
        parts.append(json_list_has(Case.agencies, actor.unit))
    return or_(*parts) if parts else false()


def check_filter(wanted: CaseFilter) -> None:
    """Refuse values no list form offers, naming the field (never a silent drop)."""
    errors = {}
    if wanted.status is not None and wanted.status not in set(CaseStatus):
        errors["status"] = t("not_allowed_value")
    if wanted.period is not None and wanted.period not in PERIODS:
        errors["period"] = t("not_allowed_value")
    if wanted.level is not None and wanted.level not in (1, 2, 3):
        errors["level"] = t("level_1_2_3")
    if wanted.text is not None and len(wanted.text) > MAX_TEXT:
        errors["q"] = t("too_long", limit=MAX_TEXT)
    elif wanted.text is not None and len(search_text.words(wanted.text)) > search_text.MAX_WORDS:
        errors["q"] = t("too_many_words", limit=search_text.MAX_WORDS)
    if wanted.unit is not None and len(wanted.unit) > MAX_UNIT:
        errors["unit"] = t("no_such_unit")
    if wanted.received_from and wanted.received_until and wanted.received_from >= wanted.received_until:
        errors["received"] = t("period_reversed")
    if errors:
        raise ValidationError(t("search_invalid"), errors)


def matching_query(actor: Actor, wanted: CaseFilter, full_text_index: bool = False) -> Select:
    """The cases the actor may see that match `wanted` (summary columns); `full_text_index`: SQLite's FTS5 table
    is there (`models_search.full_text_index`)."""
    query = select(*ROW_COLUMNS)
    scope = scope_clause(actor)
    if scope is not None:
        query = query.where(scope)
    query = case_filters.matching(query, level=wanted.level, category=wanted.category, ward=wanted.ward)
    if wanted.text:
        query = query.where(text_clause(wanted.text, full_text_index))
    if wanted.unit:
        query = query.where(Case.handling_unit == wanted.unit)
    if wanted.received_from is not None:
        query = query.where(Case.received_at >= wanted.received_from)
    if wanted.received_until is not None:
        query = query.where(Case.received_at < wanted.received_until)
    if wanted.status:
        query = query.where(Case.status == wanted.status)
    if wanted.period == "current":
        query = query.where(Case.status.not_in(sorted(PAST_STATUSES)))
    elif wanted.period == "past":
        query = query.where(Case.status.in_(sorted(PAST_STATUSES)))
    if wanted.overdue:
        query = query.where(overdue_clause())
    return query


def text_clause(text: str, full_text_index: bool = False) -> ColumnElement[bool]:
    """SQL: every word of `text` occurs in the case's search text (accents and case ignored)."""
    found = search_text.words(text)
    if not found:
        return Case.id.is_not(None)
    return Case.id.in_(models_search.matching_case_ids(found, full_text_index))


def list_cases(session: Session, actor: Actor, wanted: CaseFilter, page: int = 1,
               page_size: int = PAGE_SIZE) -> CasePage:
    """The cases the actor may see that match `wanted`, newest first, one page.

    The page's ids are found first (ordered in the narrow time index), then only those cases' rows are read: a
    common word matches thousands of cases, and reading each one's row to sort it cost more than the search. A
    search by words alone over every case (intake, leadership…) is counted in the search index itself and its page
    found by walking the cases newest first until it is full."""
    if not may_list(actor):
        raise PermissionDenied(t("no_case_list"))
    check_filter(wanted)
    page = max(1, page)
    full_text = models_search.full_text_index(session)
    query = matching_query(actor, wanted, full_text)
    words = search_text.words(wanted.text or "")
    if words and scope_clause(actor) is None and wanted == CaseFilter(text=wanted.text):
        # every search text belongs to a case (cascading foreign key): the index's count is the list's count
        matching = models_search.matching_case_ids(words, full_text)
        total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
        if full_text and total >= WALK_FROM:  # SQLite: `id + 0` keeps it from looking up every match to sort them
            query = select(Case.id).where((Case.id + 0).in_(matching))  # it walks the time index newest first
    else:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = list(session.scalars(query.with_only_columns(Case.id).order_by(Case.received_at.desc(), Case.id.desc())
                               .limit(page_size).offset((page - 1) * page_size))) if total else []
    rows = {row[0]: row for row in session.execute(select(*ROW_COLUMNS).where(Case.id.in_(ids)))} if ids else {}
    return CasePage([CaseRow(*rows[case_id]) for case_id in ids], total, page, page_size)
