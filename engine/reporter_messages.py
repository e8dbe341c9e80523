"""What the reporter is told at every step: received, classified, result published, dispute decided, closed.

Each message is a row (`ReporterMessage`) shown on the public /track page, and an e-mail through the outbox
when the reporter gave an address, in the reporter's language. The texts are the templates in
engine/templates/mail/reporter/. A message is unique per case and step key, so a re-saved case or a retried
timer never tells the reporter twice. Never a staff member's name: only the kind of unit.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from . import directory, mail, outbox
from .clock import now
from .errors import ValidationError
from .models import Case, CaseEvent, CaseStatus, InboxItem, ReporterMessage

log = logging.getLogger(__name__)

STEPS = ("received", "classified", "result_published", "reopened", "dispute_upheld", "closed")
CLOSED_STATUSES = (CaseStatus.CLOSED.value, CaseStatus.NOT_ACCEPTED.value)


def track_url(session: Session, case: Case) -> str:
    return mail.link(session, f"/track?code={case.code}")


def report_received(session: Session, case: Case) -> int | None:
    """The "received" message; its id, or None when the case already had it."""
    return _tell(session, case, "received", "received", {})


def after_step(session: Session, case: Case, before: str, open_tasks: list[InboxItem] | None = None) -> int | None:
    """The message for the status change an engine step made (`before` → the case's status now): its id, or None
    when there is none or the case already had it. `open_tasks`: the case's inbox rows as the step left them (read
    from the database otherwise).

    Called once the step is saved, so the deadline, the inbox and the waiting timers are up to date."""
    after = case.status
    if after == before:
        return None
    if after == CaseStatus.IN_HANDLING.value and before == CaseStatus.RECEIVED.value:
        return _tell(session, case, "classified", "classified", {
            "level": case.level, "deadline": _iso(case.deadline_at), "unit_kind": _unit_kind(session, case)})
    if after == CaseStatus.IN_HANDLING.value and before == CaseStatus.DISPUTED.value:
        return _tell(session, case, "reopened", f"reopened:{_reopenings(session, case) + 1}",
                     {"deadline": _iso(case.deadline_at)})
    if after == CaseStatus.RESULT_PUBLISHED.value:
        reopenings, summary = _reopenings_and_summary(session, case)
        return _tell(session, case, "result_published", f"result_published:{reopenings}", {
            "summary": summary, "closes_at": _iso(_rating_closes_at(session, case, open_tasks))})
    if after in CLOSED_STATUSES:
        step = "dispute_upheld" if case.outcome == "dispute_upheld" else "closed"
        return _tell(session, case, step, "closed", {"outcome": case.outcome})
    return None


def for_case(session: Session, case: Case, lang: str) -> list[dict[str, Any]]:
    """The reporter's messages, oldest first, worded in `lang` (the language of the page showing them)."""
    rows = session.scalars(select(ReporterMessage).where(ReporterMessage.case_id == case.id)
                           .order_by(ReporterMessage.created_at, ReporterMessage.id))
    out = []
    for row in rows:
        tmpl = mail.template(_template_name(row.step, lang))
        context = _context(session, case, row)
        out.append({"step": row.step, "at": row.created_at, "emailed": row.email_id is not None,
                    "subject": mail.render_block(tmpl, "subject", context).removeprefix(f"[{case.code}] "),
                    "text": mail.render_block(tmpl, "message", context)})
    return out


def _tell(session: Session, case: Case, step: str, key: str, facts: dict[str, Any]) -> int | None:
    """Keep the message unless the case has one with this key (the unique key decides, in the same statement:
    `INSERT … ON CONFLICT DO NOTHING RETURNING id`), then queue its e-mail. Returns its id, None if it existed."""
    reporter = case.reporter or {}
    message = ReporterMessage(case_id=case.id, step=step, key=key, facts=facts,
                              lang=mail.language(reporter.get("lang")), created_at=now())
    values = {"case_id": case.id, "step": step, "key": key, "facts": facts, "lang": message.lang,
              "created_at": message.created_at}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    new_id = session.scalar(dialect.insert(ReporterMessage).values(values)
                            .on_conflict_do_nothing(index_elements=["case_id", "key"]).returning(ReporterMessage.id))
    if new_id is None:
        return None
    address = str(reporter.get("email") or "").strip()
    if address:
        subject, body = mail.render(_template_name(step, message.lang), **_context(session, case, message))
        try:
            email_id = outbox.enqueue(session, address, subject, body).id
        except ValidationError:  # shown on /track all the same; the address is not logged (confidential)
            log.warning("case %s: the reporter's e-mail address is not usable; message shown on /track only",
                        case.code)
        else:
            session.execute(update(ReporterMessage).where(ReporterMessage.id == new_id).values(email_id=email_id))
    return new_id


def _template_name(step: str, lang: str) -> str:
    return f"reporter/{step}.{mail.language(lang)}.txt"


def _context(session: Session, case: Case, message: ReporterMessage) -> dict[str, Any]:
    url = track_url(session, case)
    return {"level": None, "deadline": None, "unit_kind": None, "summary": "", "closes_at": None,
            "outcome": None, **(message.facts or {}), "code": case.code, "category": case.category, "track_url": url,
            "rate_url": f"{url}#feedback", "at": message.created_at}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _unit_kind(session: Session, case: Case) -> str | None:
    if case.handling_unit is None:
        return None
    unit = directory.units_by_code(session).get(case.handling_unit)
    return unit.kind if unit is not None else None


def _reopenings(session: Session, case: Case) -> int:
    return session.scalar(select(func.count()).select_from(ReporterMessage).where(
        ReporterMessage.case_id == case.id, ReporterMessage.step == "reopened")) or 0


def _reopenings_and_summary(session: Session, case: Case) -> tuple[int, str]:
    """How often the case was reopened, and the summary for the citizen from the latest *Enter result* (the one
    just verified): one query."""
    reopenings = (select(func.count()).select_from(ReporterMessage)
                  .where(ReporterMessage.case_id == case.id, ReporterMessage.step == "reopened").scalar_subquery())
    latest = (select(CaseEvent.detail).where(CaseEvent.case_id == case.id, CaseEvent.kind == "task_completed",
                                             CaseEvent.task_name == "enter_result")
              .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1).scalar_subquery())
    count, detail = session.execute(select(reopenings, latest)).one()
    data = (detail or {}).get("data") if isinstance(detail, dict) else None
    return count or 0, str((data or {}).get("citizen_summary") or "")


def _rating_closes_at(session: Session, case: Case, open_tasks: list[InboxItem] | None) -> datetime | None:
    """When the rating window closes: the due time of the rating task's timer, as the diagram set it."""
    if open_tasks is not None:
        return next((item.due_at for item in open_tasks if item.task_name == "citizen_feedback"), None)
    return session.scalar(select(InboxItem.due_at).where(InboxItem.case_id == case.id,
                                                         InboxItem.task_name == "citizen_feedback"))
