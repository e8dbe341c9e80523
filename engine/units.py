"""Units as data: the official commune-level units of a province (from the `vietnam-provinces` package), agencies
and the department's own units; renaming, contact e-mail, deactivation and merging. Units are never deleted."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import steps, workflows
from .errors import Conflict, NotFound, ValidationError
from .events import audit
from .messages import t
from .models import Case, CaseStatus, Division, InboxItem, Notification, Unit, UnitKind, User

DEFAULT_PROVINCE = 79  # Thành phố Hồ Chí Minh
MAX_NAME_CHARS = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PREFIXES = {"phuong_": ("ward-", Division.WARD), "xa_": ("commune-", Division.COMMUNE),
             "dac_khu_": ("zone-", Division.SPECIAL_ZONE)}
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
CREATABLE_KINDS = (UnitKind.AGENCY.value, UnitKind.INSPECTORATE.value, UnitKind.DEPARTMENT.value)
_OPEN = (CaseStatus.RECEIVED, CaseStatus.IN_HANDLING, CaseStatus.RESULT_PUBLISHED, CaseStatus.DISPUTED)


@dataclass(frozen=True)
class OfficialUnit:
    code: str            # our stable slug, e.g. ward-ben-thanh
    official_code: str   # the national administrative code, e.g. 26743
    name: str            # Phường Bến Thành
    division: Division


@dataclass(frozen=True)
class ImportResult:
    added: int
    renamed: int
    unchanged: int


def normal_name(name: str) -> str:
    """The official name with runs of spaces collapsed (the package has 'Phường  Rạch Dừa')."""
    return " ".join(name.split())


def fold(text: str) -> str:
    """Lower case without diacritics, for accent-insensitive search: 'Phường Bến Thành' -> 'phuong ben thanh'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def slug(codename: str) -> tuple[str, Division]:
    """Our unit code and division for a package codename: phuong_ben_thanh -> ward-ben-thanh, xa_... -> commune-...,
    dac_khu_... -> zone-..."""
    for prefix, (ours, division) in _PREFIXES.items():
        if codename.startswith(prefix):
            return ours + codename[len(prefix):].replace("_", "-"), division
    raise ValueError(f"unknown division in codename {codename!r}")


def official_units(province: int) -> list[OfficialUnit]:
    """Every commune-level unit of a province, as the installed `vietnam-provinces` package lists it. Codes are
    slugs of the package's codename; where two units share one, both get their official code appended."""
    from vietnam_provinces import ProvinceCode, Ward

    try:
        code = ProvinceCode(province)
    except ValueError as exc:
        raise ValidationError(t("no_province", code=province), {"province": t("no_province", code=province)}) from exc
    found = []
    for ward in Ward.iter_by_province(code):
        ours, division = slug(ward.codename)
        found.append(OfficialUnit(ours, str(int(ward.code)), normal_name(ward.name), division))
    taken = Counter(u.code for u in found)  # 'Xã Thanh An' and 'Xã Thạnh An' share a codename: add the official code
    return [u if taken[u.code] == 1 else replace(u, code=f"{u.code}-{u.official_code}") for u in found]


def import_wards(session: Session, province: int, actor: str) -> ImportResult:
    """Load the province's commune-level units. Idempotent: a unit already known by its official code (or, for a
    unit created before the import, by its code) keeps its code and gets the official name; nothing is deleted."""
    by_official = {u.official_code: u for u in session.scalars(select(Unit).where(Unit.official_code.is_not(None)))}
    by_code = {u.code: u for u in session.scalars(select(Unit))}
    added = renamed = unchanged = 0
    for official in official_units(province):
        unit = by_official.get(official.official_code)
        same_code = by_code.get(official.code)
        if unit is None and same_code is not None and same_code.official_code is None:
            unit = same_code  # created before the import (the demo's wards): it gets its official code
        if unit is None:
            code = official.code if same_code is None else f"{official.code}-{official.official_code}"
            session.add(Unit(code=code, name=official.name, kind=UnitKind.WARD.value,
                             official_code=official.official_code, division=official.division.value, active=True))
            added += 1
            continue
        before = (unit.name, unit.official_code, unit.division)
        unit.name, unit.official_code = official.name, official.official_code
        unit.kind, unit.division = UnitKind.WARD.value, official.division.value
        if before != (unit.name, unit.official_code, unit.division):
            renamed += 1
            audit(session, actor, "unit_renamed", {"unit": unit.code, "from": before[0], "to": unit.name,
                                                   "source": f"import of province {province}"})
        else:
            unchanged += 1
    session.flush()
    return ImportResult(added, renamed, unchanged)


def get_unit(session: Session, code: str) -> Unit:
    unit = session.get(Unit, code) if code else None
    if unit is None:
        raise NotFound(t("unit_missing", unit=code))
    return unit


def list_units(session: Session, kind: str | None = None, query: str = "") -> list[Unit]:
    """Units (active first), optionally of one kind and matching a search, in name order (accents ignored)."""
    select_units = select(Unit) if kind is None else select(Unit).where(Unit.kind == kind)
    wanted = fold(query)
    units = [u for u in session.scalars(select_units) if wanted in fold(u.name) or wanted in u.code]
    return sorted(units, key=lambda u: (not u.active, fold(u.name)))


def official_units_loaded(session: Session) -> bool:
    """Whether the official list of commune-level units was imported (init-db imports it once)."""
    return session.scalar(select(Unit.code).where(Unit.official_code.is_not(None)).limit(1)) is not None


def local_units(session: Session, query: str = "") -> list[Unit]:
    """The active commune-level units (phường, xã, đặc khu) a citizen can choose, matching a search."""
    return [u for u in list_units(session, UnitKind.WARD.value, query) if u.active]


def is_local_unit(session: Session, code: str) -> bool:
    return session.scalar(select(Unit.code).where(Unit.code == code, Unit.kind == UnitKind.WARD.value,
                                                  Unit.active.is_(True))) is not None


def members(session: Session, code: str) -> list[User]:
    return list(session.scalars(select(User).where(User.unit_code == code).order_by(User.username)))


def case_count(session: Session, code: str) -> int:
    return len(_cases_of(session, code))


def create_unit(session: Session, actor: str, code: str, name: str, kind: str, email: str | None = None) -> Unit:
    """A new agency, inspectorate or department office (commune-level units come from the official list)."""
    errors = {}
    if not CODE.match(code or ""):
        errors["code"] = t("unit_code_format")
    elif session.get(Unit, code) is not None:
        errors["code"] = t("unit_code_taken")
    if kind not in CREATABLE_KINDS:
        errors["kind"] = t("not_allowed_value")
    clean = normal_name(name or "")
    if not clean or len(clean) > MAX_NAME_CHARS:
        errors["name"] = t("name_length", limit=MAX_NAME_CHARS)
    if errors:
        raise ValidationError(t("unit_invalid"), errors)
    unit = Unit(code=code, name=clean, kind=kind, active=True)
    session.add(unit)
    session.flush()
    audit(session, actor, "unit_updated", {"unit": code, "created": {"name": clean, "kind": kind}})
    return update_contact(session, actor, code, email) if email else unit


def rename(session: Session, actor: str, code: str, name: str) -> Unit:
    unit, clean = get_unit(session, code), normal_name(name or "")
    if not clean or len(clean) > MAX_NAME_CHARS:
        raise ValidationError(t("name_invalid"), {"name": t("name_length", limit=MAX_NAME_CHARS)})
    if clean != unit.name:
        audit(session, actor, "unit_renamed", {"unit": code, "from": unit.name, "to": clean})
        unit.name = clean
    session.flush()
    return unit


def update_contact(session: Session, actor: str, code: str, email: str | None) -> Unit:
    unit, clean = get_unit(session, code), (email or "").strip() or None
    if clean is not None and (len(clean) > 254 or not _EMAIL.match(clean)):
        raise ValidationError(t("not_email"), {"email": t("not_email")})
    if clean != unit.email:
        audit(session, actor, "unit_updated", {"unit": code, "email": {"from": unit.email, "to": clean}})
        unit.email = clean
    session.flush()
    return unit


def set_active(session: Session, actor: str, code: str, active: bool) -> Unit:
    """Deactivate a unit (citizens can no longer choose it for a report; its cases and users stay) or activate it
    again. A merged unit stays inactive."""
    unit = get_unit(session, code)
    if active and unit.merged_into:
        raise Conflict(t("unit_merged", unit=code, into=unit.merged_into))
    if unit.active != active:
        audit(session, actor, "unit_deactivated" if not active else "unit_updated",
              {"unit": code, "active": {"from": unit.active, "to": active}})
        unit.active = active
    session.flush()
    return unit


def add_member(session: Session, actor: str, code: str, username: str) -> User:
    unit = get_unit(session, code)
    user = session.scalar(select(User).where(User.username == username)) if username else None
    if user is None:
        raise NotFound(t("user_missing", user=username))
    if user.unit_code != unit.code:
        audit(session, actor, "user_saved", {"username": user.username,
                                             "before": {"unit": user.unit_code}, "after": {"unit": unit.code}})
        user.unit_code = unit.code
    session.flush()
    return user


def merge(session: Session, actor: str, code: str, into: str) -> Unit:
    """Merge unit `code` into `into`: its cases (report ward, handling unit, invited agency — open cases through
    their workflow so their tasks move too) and its users move to the target; the merged unit is deactivated and
    points to the target, never deleted."""
    unit, target = get_unit(session, code), get_unit(session, into)
    if unit.code == target.code:
        raise ValidationError(t("merge_into_itself"), {"into": t("choose_another_unit")})
    if unit.kind != target.kind:
        raise ValidationError(t("merge_other_kind"), {"into": t("choose_same_kind")})
    if not target.active:
        raise Conflict(t("unit_inactive", unit=into))
    if unit.merged_into:  # its cases and users went there already: merging it again would only move the pointer
        raise Conflict(t("unit_already_merged", unit=code, into=unit.merged_into))
    moved = _cases_of(session, code)
    for case in moved:
        _move_case(session, actor, case, code, into)
    users = members(session, code)
    for user in users:
        user.unit_code = into
    for item in session.scalars(select(Notification).where(Notification.unit == code)):
        item.unit = into
    unit.active, unit.merged_into = False, into
    audit(session, actor, "unit_merged", {"unit": code, "into": into, "cases": [c.code for c in moved],
                                          "users": [u.username for u in users]})
    session.flush()
    return unit


def _cases_of(session: Session, code: str) -> list[Case]:
    candidates = session.scalars(select(Case).where(or_(Case.ward == code, Case.handling_unit == code,
                                                        Case.agencies.is_not(None))).order_by(Case.id))
    return [c for c in candidates if code in (c.ward, c.handling_unit) or code in (c.agencies or [])]


def _move_case(session: Session, actor: str, case: Case, old: str, new: str) -> None:
    if case.status in _OPEN:
        with steps.case_step(session, case.id, actor) as step:  # its open tasks move too
            if case.handling_unit == old:
                step.effects.add("reassign_unit", new)
            workflows.replace_unit_on_open_tasks(step.workflow, old, new)
            _move_columns(case, old, new)
    else:
        _move_columns(case, old, new)
        for item in session.scalars(select(InboxItem).where(InboxItem.case_id == case.id, InboxItem.unit == old)):
            item.unit = new


def _move_columns(case: Case, old: str, new: str) -> None:
    if case.ward == old:
        case.ward = new
    if case.agencies and old in case.agencies:
        case.agencies = list(dict.fromkeys(new if a == old else a for a in case.agencies))
    if case.handling_unit == old and case.status not in _OPEN:
        case.handling_unit = new
