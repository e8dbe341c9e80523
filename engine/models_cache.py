"""Versions of data that web processes keep a copy of in memory (the units list, engine/directory.py): a random
token replaced in the same transaction as the data, so that every process sees at its next request, from one
column it reads anyway, whether its copy is still the committed one."""
from __future__ import annotations

import secrets

from sqlalchemy import String, event, insert, update
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from .db import Base

UNITS = "units"
_CHANGED = "rr_units_changed"
# session.info: the units token this transaction read with its case (engine/steps.py) and the units by code it
# took from the process's copy (engine/directory.py `units_by_code`); forgotten when the transaction changes units
TRANSACTION_UNITS = ("rr_units_token", "rr_units_by_code")


class CacheVersion(Base):
    """One row per cached kind of data (`units`): its current token."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


def new_token() -> str:
    return secrets.token_hex(16)


def _unit_written(_mapper, _connection, target) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_flush")
def _bump_units(session: Session, _context) -> None:
    """After a flush that inserted, updated or deleted units: a new units token, in the same transaction."""
    if not session.info.pop(_CHANGED, False):
        return
    for key in TRANSACTION_UNITS:
        session.info.pop(key, None)
    table, token = CacheVersion.__table__, new_token()
    if session.execute(update(table).where(table.c.name == UNITS).values(token=token)).rowcount == 0:
        session.execute(insert(table).values(name=UNITS, token=token))  # an emptied table (tests)


def watch_units(unit_class: type) -> None:
    for kind in ("after_insert", "after_update", "after_delete"):
        event.listen(unit_class, kind, _unit_written)
