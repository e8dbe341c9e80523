"""Units as pages show them: the wards a report can name, and every unit with its name (pickers, labels).
Unit names are public facts (the portal lists the wards), so these reads need no actor."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from .models import Unit
from .models_cache import UNITS, CacheVersion


def wards(session: Session) -> list[Unit]:
    """The wards, by name."""
    return list(session.scalars(select(Unit).where(Unit.kind == "ward").order_by(Unit.name)))


def all_units(session: Session) -> list[Unit]:
    """Every unit, by kind then name."""
    return list(session.scalars(_ALL_UNITS))


_ALL_UNITS = select(Unit).order_by(Unit.kind, Unit.name)  # built once: it keeps its cache key


def units_version() -> ScalarSelect[str]:
    """The units token (engine/models_cache.py) as a column, to read with a statement a request makes anyway."""
    return select(CacheVersion.token).where(CacheVersion.name == UNITS).scalar_subquery()


@dataclass(frozen=True)
class UnitName:
    code: str
    name: str
    kind: str


_UNITS_WITH_VERSION = (select(Unit.code, Unit.name, Unit.kind, units_version().label("version"))
                       .order_by(Unit.kind, Unit.name))
_LOCK = threading.Lock()
_COPIES: dict[str, tuple[str, list[UnitName]]] = {}  # database → (units token, every unit by kind then name)


def units_as_of(session: Session, version: str | None) -> list[UnitName]:
    """Every unit (code, name, kind) by kind then name, as `all_units` reads them — from this process's copy
    when `version` (the units token this request read, `units_version`) is the one the copy was read at, else
    read again together with the current token (one statement) and kept."""
    database = session.get_bind().url.render_as_string(hide_password=True)
    copy = _COPIES.get(database)
    if version is not None and copy is not None and copy[0] == version:
        return copy[1]
    rows = session.execute(_UNITS_WITH_VERSION).all()
    units = [UnitName(row.code, row.name, row.kind) for row in rows]
    if rows and rows[0].version is not None:
        with _LOCK:
            _COPIES[database] = (rows[0].version, units)
    return units


def unit_names(session: Session) -> dict[str, str]:
    """Unit code → name."""
    return {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
