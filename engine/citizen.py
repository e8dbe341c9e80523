"""The citizen channel's services: submit a report (idempotent, with files and a duplicate hint), the public
view of a case by tracking code, and the citizen's rating or dispute. Nothing here returns reporter contact."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms import validate_form_data

from . import cases, deadlines, duplicates, events, mail, tracking_codes, units, versions
from .actors import Actor
from .attachments import AttachmentStore, Upload
from .clock import now
from .errors import Conflict, DuplicateSubmission, NotFound, ValidationError
from .messages import t
from .models import ApiClient, Attachment, Case, CaseStatus, InboxItem, Submission

_PHONE = re.compile(r"^\+?[0-9 .-]{8,15}$")


@dataclass
class Submitted:
    case: Case
    created: bool  # False when the same submission key came again (double submit, retried API call)
    duplicate_hint: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    token: str | None = None  # the Open311 token of an API submission (the first one's, for a repeat)


def clean_reporter(reporter: dict[str, Any] | None, anonymous: bool,
                   errors: dict[str, str]) -> dict[str, str] | None:
    """Contact data (name, phone, e-mail) with problems added to `errors`; None for an anonymous report."""
    if anonymous or not reporter:
        return None
    out = {k: str(reporter.get(k) or "").strip() for k in ("name", "phone", "email")}
    out = {k: v for k, v in out.items() if v}
    for key, value in out.items():
        if "\x00" in value:
            errors[key] = t("nul_character")
    if len(out.get("name", "")) > 200:
        errors["name"] = t("too_long", limit=200)
    if "phone" in out and not _PHONE.match(out["phone"]):
        errors["phone"] = t("not_phone")
    if "email" in out and not mail.valid_address(out["email"]):
        errors["email"] = t("not_email")
    return out or None


FUTURE_TOLERANCE = timedelta(hours=1)  # a reporter's clock may be a little ahead


def _in_the_future(observed: Any) -> bool:
    """Whether a report's "seen at" (an ISO date-time with an offset, checked by the form) is later than now."""
    try:
        moment = datetime.fromisoformat(observed) if isinstance(observed, str) else None
    except ValueError:
        return False
    return moment is not None and moment.tzinfo is not None and moment > now() + FUTURE_TOLERANCE


def submit(session: Session, store: AttachmentStore, report: dict[str, Any], *, reporter: dict | None = None,
           anonymous: bool = False, uploads: list[Upload] | None = None, key: str | None = None,
           source: str = "web", lang: str | None = None, client: ApiClient | None = None) -> Submitted:
    """Open a case for a citizen's report. The same `key` twice returns the first case instead of a second.

    `lang` is the reporter's language (the portal's at submission): their e-mails are written in it. A submission
    by a registered application (`client`) gets a random token only that client can look up."""
    earlier = submitted_before(session, key)
    if earlier is not None:
        return earlier
    schema = versions.version_form(versions.active_version(session), "report") or {}
    errors = validate_form_data(schema, report)
    contact = clean_reporter(reporter, anonymous, errors)
    ward = report.get("ward") if isinstance(report, dict) else None
    if isinstance(ward, str) and ward and not units.is_local_unit(session, ward):
        errors["ward"] = t("unknown_ward")
    if "observed_at" not in errors and _in_the_future(report.get("observed_at") if isinstance(report, dict) else None):
        errors["observed_at"] = t("observed_in_future")
    if errors:
        raise ValidationError(t("report_invalid"), errors)
    if contact and lang in mail.LANGUAGES:
        contact["lang"] = lang
    case = cases.submit_report(session, report, contact, actor="citizen")  # validates against forms/report.json
    case.source = source
    similar = duplicates.strong_match(session, case)
    if similar is not None:
        case.duplicate_of = similar.code
    stored = store.save_all(uploads or [])
    try:
        attachments = [Attachment(case_id=case.id, filename=s.filename, content_type=s.content_type, size=s.size,
                                  storage_key=s.storage_key) for s in stored]
        session.add_all(attachments)
        token = new_token() if client is not None else None
        if key or client is not None:
            session.add(Submission(key=key or f"api:{token}", case_id=case.id, token=token,
                                   client_id=client.id if client is not None else None))
        session.flush()
    except IntegrityError as exc:  # the same key submitted at the same moment by a second request
        store.delete([s.storage_key for s in stored])
        raise DuplicateSubmission("this report was just submitted; use its tracking code") from exc
    return Submitted(case, created=True, duplicate_hint=similar is not None, attachments=attachments, token=token)


def submitted_before(session: Session, key: str | None) -> Submitted | None:
    """The case an earlier submission with the same key opened (a double submit, a retried API call), if any."""
    earlier = session.get(Submission, key) if key else None
    if earlier is None:
        return None
    return Submitted(cases.get_case(session, earlier.case_id), created=False, token=earlier.token)


def similar_open_case(session: Session, case: Case) -> Case | None:
    """An older open case about the same place (engine.duplicates: same ward, category and facility or house)."""
    return duplicates.strong_match(session, case)


# What the public may know of a case's history: event kind → public step.
PUBLIC_STEPS = {"received": "received", "result_published": "result_published", "closed": "closed"}


def public_view(session: Session, code: str) -> dict[str, Any]:
    """Public-safe facts of a case: no reporter, no staff names, no internal notes or task data."""
    case = cases.get_case_by_code(session, code)
    timeline: list[dict[str, Any]] = []
    result = None
    for event in events.case_events(session, case.id):
        if event.kind in PUBLIC_STEPS:
            timeline.append({"step": PUBLIC_STEPS[event.kind], "at": event.at})
        elif event.kind == "task_completed" and event.task_name == "classify":
            timeline.append({"step": "classified", "at": event.at, "level": (event.detail.get("data") or {})
                            .get("level"), "deadline": case.deadline_at})
        elif event.kind == "task_completed" and event.task_name == "start_handling":
            timeline.append({"step": "in_handling", "at": event.at})
        elif event.kind == "task_completed" and event.task_name == "enter_result":
            result = (event.detail.get("data") or {}).get("citizen_summary")
        elif event.kind == "status_changed" and event.to_status == CaseStatus.DISPUTED.value:
            timeline.append({"step": "disputed", "at": event.at})
    published = case.status in (CaseStatus.RESULT_PUBLISHED.value, CaseStatus.CLOSED.value) and \
        case.published_at is not None
    return {
        "code": case.code, "status": case.status, "level": case.level, "category": case.category,
        "ward": case.ward, "received_at": case.received_at, "deadline_at": case.deadline_at,
        "deadline": deadlines.deadline_state(case),  # the engine's one notion of overdue, as on staff pages
        "published_at": case.published_at, "closed_at": case.closed_at, "outcome": case.outcome,
        "result": result if published else None, "timeline": timeline,
        "can_rate": feedback_task(session, case) is not None, "duplicate_hint": case.duplicate_of is not None,
        "description": case.report.get("description"), "address": case.report.get("address"),
        "facility_name": case.report.get("facility_name"), "observed_at": case.report.get("observed_at"),
    }


def feedback_task(session: Session, case: Case) -> InboxItem | None:
    return session.scalar(select(InboxItem).where(InboxItem.case_id == case.id,
                                                  InboxItem.task_name == "citizen_feedback"))


def give_feedback(session: Session, code: str, data: dict[str, Any]) -> Case:
    """The reporter rates the published result, or says it did not resolve the problem (→ dispute)."""
    case = cases.get_case_by_code(session, code)
    task = feedback_task(session, case)
    if task is None:
        raise Conflict(t("rating_not_waiting"))
    return cases.complete_task(session, Actor.citizen(case.code), case.id, task.task_id, data)


def public_attachments(session: Session, case: Case) -> list[Attachment]:
    """Photos whose metadata-free copy may be shown on the public track page (videos are not shown)."""
    rows = session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id))
    return [a for a in rows if a.kind == "image"]


def public_photo(session: Session, attachment_id: int, code: str) -> Attachment:
    """A photo of the case with this tracking code (whoever holds the code may see its public copy)."""
    item = session.get(Attachment, attachment_id)
    case = session.get(Case, item.case_id) if item is not None and item.kind == "image" else None
    if case is None or not secrets.compare_digest(case.code, tracking_codes.normalise_or_none(code) or ""):
        raise NotFound(t("photo_missing"))
    return item


# --- registered API clients (Open311) -------------------------------------------------------------------

def _key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def register_client(session: Session, name: str, by: str) -> str:
    """Register an application; returns its API key (shown once, stored hashed)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(t("required"), {"name": t("required") if not name else t("too_long", limit=100)})
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise Conflict(t("client_exists", name=name))
    api_key = secrets.token_urlsafe(32)
    session.add(ApiClient(name=name, key_hash=_key_hash(api_key)))
    events.audit(session, by, "api_client_registered", {"name": name})
    session.flush()
    return api_key


def client_for_key(session: Session, api_key: str | None) -> ApiClient | None:
    if not api_key:
        return None
    return session.scalar(select(ApiClient).where(ApiClient.key_hash == _key_hash(api_key),
                                                  ApiClient.active.is_(True)))


def new_token() -> str:
    return secrets.token_urlsafe(18)


def case_for_token(session: Session, token: str, client: ApiClient) -> Case:
    """The case an application's token stands for; another application's token is as unknown as a wrong one."""
    row = session.scalar(select(Submission).where(Submission.token == token, Submission.client_id == client.id))
    if row is None:
        raise NotFound(t("token_unknown"))
    return cases.get_case(session, row.case_id)


def latest_time(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
