"""Units as pages show them: the wards a report can name, and every unit with its name (pickers, labels).
Unit names are public facts (the portal lists the wards), so these reads need no actor."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Unit


def wards(session: Session) -> list[Unit]:
    """The wards, by name."""
    return list(session.scalars(select(Unit).where(Unit.kind == "ward").order_by(Unit.name)))


def all_units(session: Session) -> list[Unit]:
    """Every unit, by kind then name."""
    return list(session.scalars(_ALL_UNITS))


_ALL_UNITS = select(Unit).order_by(Unit.kind, Unit.name)  # built once: it keeps its cache key


def unit_names(session: Session) -> dict[str, str]:
    """Unit code → name."""
    return {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
