"""Factories for tests: units, users and cases made the way the system makes them (cases through the engine
services, at the injected clock), on whichever database the test runs. The fixtures `create_unit`,
`create_user` and `create_case` in tests/conftest.py bind them to the test's database and clock.

`organisation` is the small organisation every test starts with (the `factory` fixture): one user per role,
under the user names the tests address them by. Tests that are about the demo data use engine.demo instead."""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from engine import versions
from engine.db import transaction
from engine.models import Role, Unit, UnitKind, User, UserRole
from tests.casedriver import CaseDriver

_serial = itertools.count(1)

# The steps a case can be created at, in the order of the procedure; each names the task that is open there.
STEPS = ("screen", "classify", "start_handling", "enter_result", "verify_result", "citizen_feedback")
WARDS = {  # real wards of Ho Chi Minh City, with their official codes (as `units import-wards` loads them)
    "ward-ben-thanh": ("Phường Bến Thành", "26743"),
    "ward-sai-gon": ("Phường Sài Gòn", "26740"),
    "ward-tan-dinh": ("Phường Tân Định", "26737"),
}
AGENCIES = {"police": "Công an Thành phố", "market-mgmt": "Chi cục Quản lý thị trường", "labour": "Sở Nội vụ"}
RESULT = {"findings": "Cơ sở tiêm filler không phép", "measures": ["fine"], "fine_amount": 10000000,
          "citizen_summary": "Đã xử phạt 10 triệu đồng."}


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent through `engine` inside the block, as text (BEGIN and COMMIT are not statements)."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def add_unit(session: Session, code: str | None = None, name: str | None = None,
             kind: UnitKind | str = UnitKind.WARD, official_code: str | None = None) -> Unit:
    code = code or f"unit-{next(_serial)}"
    unit = Unit(code=code, name=name or code, kind=UnitKind(kind).value, official_code=official_code,
                division="ward" if official_code else None)
    session.add(unit)
    session.flush()
    return unit


def add_user(session: Session, role: Role | str | list[Role | str] = Role.HANDLING_UNIT, unit: str | None = None,
             username: str | None = None, *, email: str | None = None, active: bool = True,
             display_name: str | None = None, password_hash: str | None = None, lang: str | None = "vi") -> User:
    """A user with one role (or several), in a unit or none; a fresh user name unless one is given. `lang`: their
    language (None: the department's default)."""
    roles = [role] if isinstance(role, (Role, str)) else list(role)
    username = username or f"user{next(_serial)}"
    user = User(username=username, display_name=display_name or username.title(), unit_code=unit, email=email,
                active=active, password_hash=password_hash, lang=lang,
                roles=[UserRole(role=Role(r).value) for r in sorted(set(roles))])
    session.add(user)
    session.flush()
    return user


def organisation(session: Session) -> None:
    """The units and the one-user-per-role staff most tests work with."""
    add_unit(session, "rrt", "Tổ phản ứng nhanh", UnitKind.DEPARTMENT)
    add_unit(session, "inspectorate", "Thanh tra Sở Y tế", UnitKind.INSPECTORATE)
    for code, (name, official_code) in WARDS.items():
        add_unit(session, code, name, UnitKind.WARD, official_code)
    for code, name in AGENCIES.items():
        add_unit(session, code, name, UnitKind.AGENCY)
    add_user(session, Role.INTAKE, "rrt", "intake")
    add_user(session, Role.HANDLING_UNIT, "ward-ben-thanh", "ward", display_name="Trần Thị Phường")
    add_user(session, Role.HANDLING_UNIT, "ward-tan-dinh", "tandinh", display_name="Lý Văn Tân Định")
    add_user(session, Role.HANDLING_UNIT, "inspectorate", "inspectorate")
    add_user(session, [Role.HANDLING_UNIT, Role.SUPERVISOR], "inspectorate", "chief")
    for agency, username in (("police", "police"), ("market-mgmt", "market"), ("labour", "labour")):
        add_user(session, Role.COORDINATOR, agency, username)
    for role, username in ((Role.INSPECTOR, "inspector"), (Role.LEADERSHIP, "leader"),
                           (Role.PROCESS_OWNER, "owner"), (Role.ADMIN, "admin")):
        add_user(session, role, None, username)


class CaseFactory:
    """Cases at a chosen step of the procedure, driven there through the engine services as staff would.

    `at` is the task open when the case is handed over (one of STEPS); a case given a `level` is classified
    and waits at "start_handling" unless `at` says otherwise (a level-3 case goes no further: its agencies'
    tasks come first). With `received_at`, the clock stands at that instant while the case is made and goes
    back afterwards: its timers due since then fire at the next sweep."""

    def __init__(self, drive: CaseDriver):
        self.drive = drive

    def __call__(self, level: int | None = None, *, received_at: datetime | None = None,
                 ward: str = "ward-ben-thanh", at: str | None = None, handling_unit: str | None = None,
                 agencies: list[str] | None = None, reporter: dict[str, str] | None = None,
                 **report: Any) -> int:
        at = at or ("start_handling" if level is not None else "screen")
        if at not in STEPS:
            raise ValueError(f"unknown step {at!r}; one of {', '.join(STEPS)}")
        steps = STEPS[:STEPS.index(at)]
        if ("classify" in steps) != (level is not None):
            raise ValueError(f"a case at {at!r} needs a level" if level is None else
                             f"a case at {at!r} is not classified yet: no level")
        if level == 3 and "enter_result" in steps + (at,):
            raise ValueError("a level-3 case waits for its agencies after start_handling: drive them in the test")
        clock = self.drive.clock
        before = clock.now()
        if received_at is not None:
            clock.set(received_at)
        try:
            return self._drive(steps, level, ward, handling_unit, agencies, reporter, report)
        finally:
            clock.set(before)

    def _drive(self, steps, level, ward, handling_unit, agencies, reporter, report) -> int:
        drive = self.drive
        case_id = drive.report(reporter, ward=ward, **report)
        unit = handling_unit or (ward if level == 1 else "inspectorate")
        handler = self._handler(unit) if "start_handling" in steps else None
        for step in steps:
            if step == "screen":
                drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
            elif step == "classify":
                data: dict[str, Any] = {"level": level, "handling_unit": unit}
                if agencies:
                    data["agencies"] = agencies
                if level == 1 and unit != ward:
                    data["unit_change_reason"] = "Đơn vị khác xử lý theo phân công"
                drive.do("intake", case_id, "classify", data)
            elif step == "start_handling":
                drive.do(handler, case_id, "start_handling", {"handling_plan": "Kiểm tra"})
            elif step == "enter_result":
                drive.do(handler, case_id, "enter_result", RESULT)
            elif step == "verify_result":
                drive.do("inspector", case_id, "verify_result", {"verification": "accept"})
        return case_id

    def _handler(self, unit: str) -> str:
        """A user of the handling unit (one is made if the unit has none)."""
        with transaction(self.drive.factory) as session:
            staff = session.scalar(select(User.username).join(User.roles)
                                   .where(User.unit_code == unit, UserRole.role == Role.HANDLING_UNIT.value,
                                          User.active.is_(True)).order_by(User.id).limit(1))
            return staff or add_user(session, Role.HANDLING_UNIT, unit).username


def deploy_main_changed(factory, old: str, new: str) -> None:
    """Deploy the procedure with one piece of its main diagram replaced, as a process owner's edit would be."""
    bundle = versions.read_bundle()
    main = versions.main_file(bundle, bundle["process_id"])
    assert old in bundle["bpmn"][main]
    bundle["bpmn"][main] = bundle["bpmn"][main].replace(old, new, 1)
    with transaction(factory) as session:
        versions.deploy(session, bundle, actor="tests")
