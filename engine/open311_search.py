"""The Open311 (GeoReport v2) search over reports: public facts only, for registered applications (the web
layer checks the application's key and parses the parameters)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .models import Case, CaseStatus

CLOSED = (CaseStatus.CLOSED.value, CaseStatus.NOT_ACCEPTED.value)
MAX_RESULTS = 1000


@dataclass(frozen=True)
class RequestSearch:
    codes: tuple[str, ...] = ()  # with tracking codes, the other filters are ignored (GeoReport v2)
    since: datetime | None = None
    until: datetime | None = None
    service_codes: tuple[str, ...] = ()
    status: str | None = None  # "open", "closed" or None for both


def search(session: Session, actor: Actor, wanted: RequestSearch) -> list[Case]:
    """Matching reports, the newest first, at most MAX_RESULTS. Every case is a public request here: the rows
    become public facts only (webui/open311.py), so `actor` (the application) sees no more than anyone."""
    del actor  # no per-actor scope: the API publishes the same facts to every registered application
    query = select(Case).order_by(Case.received_at.desc(), Case.id.desc()).limit(MAX_RESULTS)
    if wanted.codes:
        return list(session.scalars(query.where(Case.code.in_(wanted.codes[:MAX_RESULTS]))))
    if wanted.since is not None:
        query = query.where(Case.received_at >= wanted.since.astimezone(UTC))
    if wanted.until is not None:
        query = query.where(Case.received_at <= wanted.until.astimezone(UTC))
    if wanted.service_codes:
        query = query.where(Case.category.in_(wanted.service_codes))
    if wanted.status == "open":
        query = query.where(Case.status.not_in(CLOSED))
    elif wanted.status == "closed":
        query = query.where(Case.status.in_(CLOSED))
    return list(session.scalars(query))
