"""Leases: how a worker takes rows (due cases, due mails) so that several workers never do the same work.

A row is free when it has no lease or its lease has expired. Candidates are picked with FOR UPDATE SKIP LOCKED
on PostgreSQL (workers do not queue behind each other), then each one is taken with a conditional UPDATE that
sets the owner and expiry only if the row is still free, so two workers never both hold it. A worker that dies
leaves its lease to expire. Used by the timer sweep (engine/timers.py) and the outbox (engine/outbox.py).
"""
from __future__ import annotations

import os
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, update
from sqlalchemy.orm import Session


def worker_id() -> str:
    """This worker thread, as a lease owner: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def free(model: Any, at: datetime) -> ColumnElement[bool]:
    """The rows of `model` (with `lease_expires_at`) that no live lease holds at `at`."""
    return or_(model.lease_expires_at.is_(None), model.lease_expires_at < at)


def skip_locked(session: Session, query: Select, model: Any) -> Select:
    """The candidate query, skipping rows another worker is taking right now (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=model)
    return query


def take(session: Session, model: Any, ids: list[int], owner: str, at: datetime, length: timedelta,
         *still: ColumnElement[bool]) -> list[int]:
    """Lease each of `ids` that is still free (and meets the conditions `still`) until `at + length`; returns the
    ids now held by `owner`, in the order given."""
    held = []
    for row_id in ids:
        result = session.execute(update(model).where(model.id == row_id, free(model, at), *still)
                                 .values(lease_owner=owner, lease_expires_at=at + length)
                                 .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            held.append(row_id)
    return held
