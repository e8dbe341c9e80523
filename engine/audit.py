"""The audit log: who did what outside a case's own timeline — account and role changes, deployments and
roll-backs, API clients, erasure of reporter contact — and every time a person was shown a reporter's contact.

Entries are written with `events.audit` in the same transaction as the change they record, so an action and
its entry are committed together or not at all. The table is append-only: database triggers refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL), see migration 20261129_0009. Administrators read it at /admin/audit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import events
from .actors import Actor
from .cases import may_see_reporter
from .models import AuditEntry, Case

PAGE_SIZE = 50
REPORTER_VIEWED = "reporter_viewed"


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page asks for; None means "any". `since` is inclusive, `until` exclusive."""

    kind: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def search(session: Session, wanted: AuditFilter, page: int = 1, page_size: int = PAGE_SIZE) -> AuditPage:
    """One page of entries matching `wanted`, newest first, and how many match in all."""
    query = select(AuditEntry)
    if wanted.kind:
        query = query.where(AuditEntry.kind == wanted.kind)
    if wanted.actor:
        query = query.where(AuditEntry.actor == wanted.actor)
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEntry.at < wanted.until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                           .limit(page_size).offset((max(1, page) - 1) * page_size)).all()
    return AuditPage(list(rows), total, max(1, page), page_size)


def recorded_kinds(session: Session) -> list[str]:
    """Every kind of entry that occurs in the log (for the page's filter)."""
    return list(session.scalars(select(AuditEntry.kind).distinct().order_by(AuditEntry.kind)))


def show_reporter(session: Session, actor: Actor, case: Case, *, page: str) -> bool:
    """Whether `actor` may be shown the reporter's contact on `page`; when there is contact to show, the view
    is recorded (`reporter_viewed`) in the caller's transaction, which the caller commits."""
    if not may_see_reporter(actor):
        return False
    if case.reporter:
        events.audit(session, actor.username, REPORTER_VIEWED, {"case": case.code, "page": page})
    return True
