"""Typed SQLAlchemy 2.0 models: organisation, process versions, cases, inbox, events, notifications."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .clock import now
from .db import Base, UTCDateTime
from .models_indexes import CASE_INDEXES


class Role(enum.StrEnum):
    INTAKE = "intake"
    HANDLING_UNIT = "handling_unit"
    COORDINATOR = "coordinator"
    INSPECTOR = "inspector"
    LEADERSHIP = "leadership"
    CITIZEN = "citizen"
    PROCESS_OWNER = "process_owner"
    ADMIN = "admin"
    SUPERVISOR = "supervisor"


LANE_ROLES = frozenset({Role.INTAKE, Role.HANDLING_UNIT, Role.COORDINATOR, Role.INSPECTOR,
                        Role.LEADERSHIP, Role.CITIZEN})


class UnitKind(enum.StrEnum):
    WARD = "ward"
    INSPECTORATE = "inspectorate"
    AGENCY = "agency"
    DEPARTMENT = "department"


class CaseStatus(enum.StrEnum):
    RECEIVED = "received"
    IN_HANDLING = "in_handling"
    RESULT_PUBLISHED = "result_published"
    DISPUTED = "disputed"
    CLOSED = "closed"
    NOT_ACCEPTED = "not_accepted"


def _in(values: type[enum.StrEnum], column: str) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Division(enum.StrEnum):
    """The official type of a commune-level unit (kind `ward`): phường, xã or đặc khu."""

    WARD = "ward"
    COMMUNE = "commune"
    SPECIAL_ZONE = "special_zone"


class Unit(Base):
    """An organisational unit. Kind `ward` is every commune-level People's Committee (its `division` says phường,
    xã or đặc khu; `official_code` is the national administrative code); agencies, the inspectorate and the
    department are units of their own kinds. Units are deactivated or merged, never deleted."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint(_in(UnitKind, "kind"), name="kind"),
                      CheckConstraint(f"division IS NULL OR {_in(Division, 'division')}", name="division"))

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    official_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    division: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    merged_into: Mapped[str | None] = mapped_column(ForeignKey("units.code"))


class User(Base):
    """A staff account. `lang` is the language of the user's pages (from sign-in on) and e-mails: "vi" or "en";
    NULL means the department's default language (settings.default_language)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("lang IS NULL OR lang IN ('vi', 'en')", name="lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    # evaluates_none: a user created with lang=None is stored NULL, not given the default
    lang: Mapped[str | None] = mapped_column(String(2).evaluates_none(), default="vi", server_default="vi")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notifications_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(_in(Role, "role"), name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class ProcessVersion(Base):
    """An immutable deployed version of a process: its diagrams and forms, identified by a content hash."""

    __tablename__ = "process_versions"
    __table_args__ = (
        UniqueConstraint("process_id", "number", name="process_number"),
        UniqueConstraint("process_id", "content_hash", name="process_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    bundle: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)  # large: loaded only when needed
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    deployed_by: Mapped[str] = mapped_column(String(80))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    note: Mapped[str | None] = mapped_column(Text)


class Case(Base):
    """One citizen report and the workflow that handles it (serialized as one JSON document)."""

    __tablename__ = "cases"
    __table_args__ = (CheckConstraint(_in(CaseStatus, "status"), name="status"),
                      CheckConstraint("level IS NULL OR level IN (1, 2, 3)", name="level"), *CASE_INDEXES)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.RECEIVED.value)
    level: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(60))
    ward: Mapped[str | None] = mapped_column(String(40))
    handling_unit: Mapped[str | None] = mapped_column(String(40))
    agencies: Mapped[list[str] | None] = mapped_column(JSON)
    duplicate_of: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40), default="web", server_default="web")
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(30))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    reporter: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # engine.report_milestones
    handling_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    workflow_json: Mapped[str] = mapped_column(Text, deferred=True)  # large: loaded only by the engine steps
    serializer_version: Mapped[str] = mapped_column(String(20))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    timer_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # the reason of last_error as a message code (engine.messages.as_data), shown in the reader's language
    last_error_message: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    incident: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    suspend_reason: Mapped[str | None] = mapped_column(Text)
    contact_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # engine.privacy

    process_version: Mapped[ProcessVersion] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}


class InboxItem(Base):
    """A READY manual task, materialized after every engine step so inbox pages never load workflows."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        Index("ix_inbox_items_role_unit_due", "role", "unit", "due_at"),
        Index("ix_inbox_items_role_due", "role", "due_at", "id", "unit"),  # inbox pages in deadline order
        Index("ix_inbox_items_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    task_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(40))
    form: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class CaseEvent(Base):
    """Append-only log of what happened to a case: who did what, when, from which state."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_id_at", "case_id", "at"),
                      Index("ix_case_events_kind_task_at", "kind", "task_name", "at"))  # reports: a period's events

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    task_name: Mapped[str | None] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    element: Mapped[str | None] = mapped_column(String(100))  # the diagram element (task or timer), when known
    wait_seconds: Mapped[float | None] = mapped_column(Float)  # a completed task: from ready to completed
    # not yet in the procedure review's summary (engine/review_summary.py: the timer worker adds it)
    review_pending: Mapped[bool | None] = mapped_column(Boolean, default=True)


# the events the review's summary still lacks: a handful at any moment, read by the worker after each sweep
Index("ix_case_events_review_pending", CaseEvent.id, postgresql_where=CaseEvent.review_pending.is_(True),
      sqlite_where=CaseEvent.review_pending.is_(True))


class Notification(Base):
    """An in-app notification for a role (optionally limited to a unit) or for one user (`username`)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_role_unit", "role", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))  # None: a briefing
    scheduled_run_id: Mapped[int | None] = mapped_column(ForeignKey("scheduled_runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(40))
    username: Mapped[str | None] = mapped_column(String(80))
    task_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseNote(Base):
    """An internal note on a case by a staff member (never shown to the citizen)."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class Attachment(Base):
    """A photo or video sent with a report; the file lives in the attachment store under `storage_key`."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    @property
    def kind(self) -> str:
        return self.content_type.split("/", 1)[0]


class OutboxEmail(Base):
    """An e-mail waiting to be sent by the worker; kept until sent, retried with backoff."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Append-only log of administrative actions and of views of reporter contact (engine.audit). Database
    triggers refuse UPDATE and DELETE of its rows (migration 20261129_0009)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at", "id"),
        Index("ix_audit_log_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Submission(Base):
    """A key that makes a report submission idempotent (a double-submitted form or a retried API call creates
    one case). An API submission also gets a random Open311 `token`, which only its `client` may look up."""

    __tablename__ = "submissions"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    token: Mapped[str | None] = mapped_column(String(40), unique=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))


class ApiClient(Base):
    """An application registered to submit reports through the Open311 API (its key is stored hashed)."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class ProcessDraft(Base):
    """A diagram (and forms) being edited in the studio; becomes a version when deployed.

    Once deployed (`deployed_version_id` set) the draft is read-only: it is what that version is made of.
    """

    __tablename__ = "process_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    bundle: Mapped[dict[str, Any]] = mapped_column(JSON)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))
    deployed_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class ReporterMessage(Base):
    """A message to the reporter about one step of the case (received, classified, result published, ...).

    Always shown on the public /track page; also e-mailed when the reporter gave an address (`email_id`).
    `key` makes each step's message unique per case, so a re-saved case or a retried timer never sends twice.
    `facts` are what the message says (level, deadline, kind of unit, ...), rendered from the mail templates.
    """

    __tablename__ = "reporter_messages"
    __table_args__ = (UniqueConstraint("case_id", "key", name="reporter_message_case_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(60))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lang: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    email_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_emails.id", ondelete="SET NULL"))


from . import models_search  # noqa: E402, F401 - the cases' search text (defined after Case, which it follows)
from .models_cache import CacheVersion, watch_units  # noqa: E402,F401  (versions of data kept in memory)
from .models_documents import TaskDocument  # noqa: E402, F401  (staff documents, in their own module)
from .models_report import AgencyAnswer  # noqa: E402, F401  (report rows kept on write)
from .models_reporting import RunStatus, ScheduledRun  # noqa: E402,F401  (registered on Base)
from .models_review import ReviewCaseDay, ReviewPass  # noqa: E402, F401  (the procedure review's summary)
from .models_signin import SignInFailure  # noqa: E402,F401  (the sign-in lock-out record)

watch_units(Unit)
