"""What the process studio lists besides versions (engine/studio.py): a process's drafts and the studio's change
log. Process owners only."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .errors import PermissionDenied
from .messages import t
from .models import AuditEntry, ProcessDraft, Role


def _require_process_owner(actor: Actor) -> None:
    if Role.PROCESS_OWNER.value not in actor.roles:
        raise PermissionDenied(t("owners_only"))


def drafts(session: Session, actor: Actor, process_id: str) -> list[ProcessDraft]:
    """The process's drafts, the most recently changed first."""
    _require_process_owner(actor)
    return list(session.scalars(select(ProcessDraft).where(ProcessDraft.process_id == process_id)
                                .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())))


def change_log(session: Session, actor: Actor, kinds: Iterable[str], limit: int) -> list[AuditEntry]:
    """The latest audit entries of the given kinds (the studio's changes; never views of reporter contact)."""
    _require_process_owner(actor)
    return list(session.scalars(select(AuditEntry).where(AuditEntry.kind.in_(sorted(kinds)))
                                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
