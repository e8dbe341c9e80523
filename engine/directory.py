"""Units as pages show them: the wards a report can name, and every unit with its name (pickers, labels).
Unit names are public facts (the portal lists the wards), so these reads need no actor."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarSelect, event, select
from sqlalchemy.orm import Session

from .messages import t
from .models import Unit
from .models_cache import TRANSACTION_UNITS, UNITS, CacheVersion


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
    email: str | None = None  # the unit's mailbox (engine/outbox.py)
    active: bool = True


@dataclass(frozen=True)
class _Copy:
    token: str | None
    units: list[UnitName]  # by kind then name
    by_code: dict[str, UnitName]


_UNITS_WITH_VERSION = (select(Unit.code, Unit.name, Unit.kind, Unit.email, Unit.active,
                              units_version().label("version")).order_by(Unit.kind, Unit.name))
_LOCK = threading.Lock()
_COPIES: dict[str, _Copy] = {}  # database → every unit as of a units token
_TOKEN, _BY_CODE = TRANSACTION_UNITS


def units_as_of(session: Session, version: str | None) -> list[UnitName]:
    """Every unit (code, name, kind) by kind then name, as `all_units` reads them — from this process's copy
    when `version` (the units token this request read, `units_version`) is the one the copy was read at, else
    read again together with the current token (one statement) and kept."""
    return _copy(session, version).units


def _copy(session: Session, version: str | None) -> _Copy:
    database = session.get_bind().url.render_as_string(hide_password=True)
    copy = _COPIES.get(database)
    if version is not None and copy is not None and copy.token == version:
        return copy
    rows = session.execute(_UNITS_WITH_VERSION).all()
    units = [UnitName(row.code, row.name, row.kind, row.email, row.active) for row in rows]
    copy = _Copy(rows[0].version if rows else None, units, {unit.code: unit for unit in units})
    if copy.token is not None:
        with _LOCK:
            _COPIES[database] = copy
    return copy


def read_units_version(session: Session, version: str | None) -> None:
    """This transaction read the units token `version` (with the case a step loads, engine/steps.py)."""
    session.info[_TOKEN] = version


def units_by_code(session: Session) -> dict[str, UnitName]:
    """Every unit by code for this transaction (a step's notifications, mailboxes, reporter messages): the
    process's copy when the transaction read the current token with its case, else read once per transaction."""
    found = session.info.get(_BY_CODE)
    if found is None:
        found = session.info[_BY_CODE] = _copy(session, session.info.get(_TOKEN)).by_code
    return found


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_transaction_units(session: Session) -> None:
    for key in TRANSACTION_UNITS:
        session.info.pop(key, None)


# Task form fields whose values are unit codes, and the kinds of unit each takes (the web forms offer these units;
# a step refuses any other value: an unknown or deactivated unit would leave the case in nobody's inbox)
HANDLERS, AGENCIES = ("ward", "inspectorate"), ("agency",)
UNIT_FIELDS: dict[str, tuple[str, ...]] = {
    "handling_unit": HANDLERS, "reassign_to": HANDLERS, "agencies": AGENCIES, "invited_agency": AGENCIES,
    "request_agency": AGENCIES, "inspection_agencies": AGENCIES, "agreement_agency": AGENCIES}


def unit_field_problems(session: Session, data: dict[str, Any]) -> dict[str, str]:
    """Field → message for each UNIT_FIELDS value of `data` that is not an active unit of the field's kinds."""
    problems: dict[str, str] = {}
    for field, kinds in UNIT_FIELDS.items():
        value = data.get(field)
        codes = value if isinstance(value, list) else [value] if value not in (None, "") else []
        units = units_by_code(session) if codes else {}
        wrong = [code for code in codes if not isinstance(code, str) or code not in units
                 or units[code].kind not in kinds or not units[code].active]
        if wrong:
            problems[field] = t("unit_not_offered", unit=str(wrong[0])[:64])
    return problems


def unit_names(session: Session) -> dict[str, str]:
    """Unit code → name."""
    return {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
