"""Reporter contact is kept no longer than needed (Vietnam's personal-data protection rules).

A reporter's name, phone and e-mail serve one purpose: to confirm receipt and to reach the reporter about the
report while it is handled. A set time after the case closes (`retention_days`: `settings.contact_retention_days`,
from RR_CONTACT_RETENTION_DAYS, default 365) the contact is erased: the case row keeps everything else (the
report, its timeline, the result), `contact_erased_at` records when, the confirmation e-mail to the reporter
is deleted from the outbox, and an audit entry (`contact_erased`) records that it happened — never what was
erased. The worker calls `erase_expired` once per batch; each call does a bounded amount of work.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, null, select, update
from sqlalchemy.orm import Session, sessionmaker

from . import events
from .clock import now
from .db import transaction
from .errors import ValidationError
from .messages import t
from .models import Case, OutboxEmail

log = logging.getLogger(__name__)

MAX_RETENTION_DAYS = 36500
BATCH = 100
CONTACT_ERASED = "contact_erased"


@dataclass
class Erasure:
    """What one call erased: the codes of the cases whose contact was removed, and how many closed cases were
    looked at (anonymous ones included, which are only marked as done)."""

    erased: list[str] = field(default_factory=list)
    checked: int = 0


def check_retention(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(t("retention_invalid"), {"retention_days": t("days_between", limit=MAX_RETENTION_DAYS)})
    return days


def erase_expired(session: Session, retention_days: int, *, limit: int = BATCH, actor: str = "system") -> Erasure:
    """Erase the contact of at most `limit` cases closed more than `retention_days` ago (oldest first).

    Runs in the caller's transaction; never loads a case's workflow document.
    """
    cutoff = now() - timedelta(days=check_retention(retention_days))
    due = session.execute(select(Case.id, Case.code, Case.reporter, Case.closed_at)
                          .where(Case.closed_at < cutoff, Case.contact_erased_at.is_(None))
                          .order_by(Case.closed_at, Case.id).limit(max(1, limit))).all()
    result = Erasure(checked=len(due))
    at = now()
    for case_id, code, reporter, closed_at in due:
        session.execute(update(Case).where(Case.id == case_id, Case.contact_erased_at.is_(None))
                        .values(reporter=null(), contact_erased_at=at, row_version=Case.row_version + 1)
                        .execution_options(synchronize_session=False))
        if not reporter:
            continue  # anonymous: nothing was kept, the case is only marked as done
        email = reporter.get("email") if isinstance(reporter, dict) else None
        if email:  # the confirmation mail to the reporter (it names the case code)
            session.execute(delete(OutboxEmail).where(OutboxEmail.to_addr == email,
                                                      OutboxEmail.body.contains(code, autoescape=True))
                            .execution_options(synchronize_session=False))
        events.audit(session, actor, CONTACT_ERASED,
                     {"case": code, "closed_at": closed_at.isoformat(timespec="seconds"),
                      "retention_days": retention_days,
                      "fields": sorted(k for k, v in reporter.items() if v) if isinstance(reporter, dict) else []})
        result.erased.append(code)
    session.flush()
    return result


def run_forever(factory: sessionmaker[Session], stop: threading.Event, retention_days: int,
                poll_seconds: float = 3600.0) -> None:
    """The worker's erasure loop: one bounded batch per transaction, straight on while batches are full,
    otherwise a pause of `poll_seconds`."""
    check_retention(retention_days)
    while not stop.is_set():
        pause = poll_seconds
        try:
            with transaction(factory) as session:
                done = erase_expired(session, retention_days)
            if done.erased:
                log.info("reporter contact erased for %s closed cases", len(done.erased))
            if done.checked >= BATCH:
                pause = 0
        except Exception:  # the database may be away for a moment; keep the worker alive
            log.exception("contact erasure failed; retrying after the pause")
        stop.wait(pause)
