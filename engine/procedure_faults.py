"""Reports the procedure could not open. When the department's diagram fails on a citizen's report (its start
raised or went over a limit on diagrams: nothing is saved, and the citizen is told the fault is the
department's, not theirs), there is no case to mark as an incident, so the failure is kept in the audit log
(kind `report_not_opened`, with the channel, the active version and the reason as a message code) and shown on
the administrators' Incidents page."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events, versions
from .clock import now
from .errors import ProcessError
from .messages import as_data, t
from .models import AuditEntry
from .timers import reason_of

KIND = "report_not_opened"
SHOWN_DAYS = 7
SHOWN_ROWS = 50


def record(session: Session, error: ProcessError, channel: str) -> None:
    """Keep the failure (in the caller's transaction, after the report's own was rolled back)."""
    version = versions.find_active_version(session)
    reason = reason_of(error) or as_data(t("procedure_failed"))  # the library's own English text: the server log
    events.audit(session, "system", KIND, {"channel": channel[:40], "version": version.number if version else None,
                                           "reason": reason})


def recent(session: Session) -> list[AuditEntry]:
    """The failures of the last SHOWN_DAYS days, newest first (at most SHOWN_ROWS)."""
    since = now() - timedelta(days=SHOWN_DAYS)
    return list(session.scalars(select(AuditEntry).where(AuditEntry.kind == KIND, AuditEntry.at >= since)
                                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(SHOWN_ROWS)))
