"""Demo organisation: three real wards, the inspectorate, partner agencies and one user per role (demo only)."""
from __future__ import annotations

from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import units
from .models import Role, Unit, UnitKind, User, UserRole
from .settings import LOCAL_TZ

# The demo's wards are real ones from the official list (engine.units), with their official codes and names: a
# later `units import-wards` finds them instead of adding duplicates.
DEMO_WARDS = ("ward-ben-thanh", "ward-sai-gon", "ward-tan-dinh")
DEMO_UNITS = [
    ("inspectorate", "Thanh tra Sở Y tế", UnitKind.INSPECTORATE),
    ("rrt", "Tổ chuyên trách phản ứng nhanh", UnitKind.DEPARTMENT),
    ("police", "Công an Thành phố", UnitKind.AGENCY),
    ("market-mgmt", "Chi cục Quản lý thị trường", UnitKind.AGENCY),
    ("labour", "Sở Nội vụ (lĩnh vực lao động - xã hội)", UnitKind.AGENCY),
]

# username, display name, roles, unit
DEMO_USERS = [
    ("intake", "Nguyễn Văn Tiếp Nhận", [Role.INTAKE], "rrt"),
    ("ward", "Trần Thị Phường", [Role.HANDLING_UNIT], "ward-ben-thanh"),
    ("tandinh", "Lý Văn Tân Định", [Role.HANDLING_UNIT], "ward-tan-dinh"),
    ("inspectorate", "Lê Văn Thanh Tra", [Role.HANDLING_UNIT], "inspectorate"),
    ("chief", "Đặng Văn Trưởng Phòng", [Role.HANDLING_UNIT, Role.SUPERVISOR], "inspectorate"),
    ("inspector", "Phạm Thị Kiểm Tra", [Role.INSPECTOR], None),
    ("police", "Võ Văn Công An", [Role.COORDINATOR], "police"),
    ("market", "Đỗ Thị Thị Trường", [Role.COORDINATOR], "market-mgmt"),
    ("labour", "Huỳnh Văn Lao Động", [Role.COORDINATOR], "labour"),
    ("leader", "Bùi Văn Giám Đốc", [Role.LEADERSHIP], None),
    ("owner", "Ngô Thị Quy Trình", [Role.PROCESS_OWNER], None),
    ("admin", "Quản trị hệ thống", [Role.ADMIN], None),
]


def seed_units(session: Session) -> int:
    existing = set(session.scalars(select(Unit.code)))
    existing |= set(session.scalars(select(Unit.official_code).where(Unit.official_code.is_not(None))))
    added = 0
    for code, name, kind in DEMO_UNITS:
        if code not in existing:
            session.add(Unit(code=code, name=name, kind=kind.value))
            added += 1
    for ward in units.official_units(units.DEFAULT_PROVINCE):
        if ward.code in DEMO_WARDS and not {ward.code, ward.official_code} & existing:
            session.add(Unit(code=ward.code, name=ward.name, kind=UnitKind.WARD.value,
                             official_code=ward.official_code, division=ward.division.value))
            added += 1
    session.flush()
    return added


def seed_users(session: Session, password_hasher=None, password: str = "demo") -> int:  # noqa: S107 - demo only
    existing = set(session.scalars(select(User.username)))
    added = 0
    for username, display, roles, unit in DEMO_USERS:
        if username in existing:
            continue
        user = User(username=username, display_name=display, unit_code=unit, active=True,
                    password_hash=password_hasher(password) if password_hasher else None,
                    roles=[UserRole(role=r.value) for r in roles])
        session.add(user)
        added += 1
    session.flush()
    return added


DEMO_REPORTS = [
    {"category": "cosmetic_surgery", "facility_name": "Thẩm mỹ viện Ngọc Trai", "address": "45 Lê Thánh Tôn",
     "ward": "ward-ben-thanh", "description": "Tiêm filler, botox tại nhà riêng, không có biển hiệu, người tiêm "
                                              "không có chứng chỉ hành nghề."},
    {"category": "unlicensed_pharmacy", "facility_name": "Nhà thuốc Minh Tâm", "address": "120 Hai Bà Trưng",
     "ward": "ward-tan-dinh", "description": "Bán thuốc kê đơn không cần đơn, nghi không có giấy phép."},
    {"category": "cosmetic_advertising", "facility_name": "Nha khoa Nụ Cười", "address": "8 Nguyễn Huệ",
     "ward": "ward-sai-gon", "description": "Quảng cáo trên mạng xã hội 'niềng răng không đau, bảo hành trọn đời'."},
    {"category": "unlicensed_clinic", "facility_name": "Phòng khám Đa khoa Hồng Phúc", "address": "300 Pasteur",
     "ward": "ward-sai-gon", "description": "Phòng khám đang bị đình chỉ nhưng vẫn nhận bệnh nhân vào ban đêm."},
]


def seed_cases_once(session: Session) -> list[str]:
    """The demo cases, unless the database has cases already (then nothing; returns no lines)."""
    from .models import Case

    return [] if session.scalar(select(Case.id).limit(1)) is not None else seed_cases(session)


def local(moment) -> str:
    """An instant as `timers run-once --now` takes it: Ho Chi Minh City time, whole seconds."""
    if moment is None:
        return "-"
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # stored as UTC
    return aware.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def seed_cases(session: Session) -> list[str]:
    """A few cases at different steps, driven through the real services. Returns one line per case."""
    from .actors import Actor
    from .cases import complete_task, submit_report
    from .inbox import case_tasks

    def actor(username: str) -> Actor:
        roles, unit = next((r, u) for name, _, r, u in DEMO_USERS if name == username)
        return Actor(username, frozenset(role.value for role in roles), unit)

    def do(username: str, case, task_name: str, data: dict) -> None:
        task = next(t for t in case_tasks(session, case.id) if t.task_name == task_name and
                    (t.unit is None or t.unit == actor(username).unit))
        complete_task(session, actor(username), case.id, task.task_id, data)

    lines = []
    waiting = submit_report(session, DEMO_REPORTS[0], {"name": "Nguyễn Thị Lan", "phone": "0903000111"})
    lines.append(f"{waiting.code}: new report, waiting for screening (intake); received {local(waiting.received_at)}")

    level1 = submit_report(session, DEMO_REPORTS[1])
    do("intake", level1, "screen", {"screening_outcome": "in_scope"})
    do("intake", level1, "classify", {"level": 1, "handling_unit": "ward-tan-dinh"})  # the report's own ward
    lines.append(f"{level1.code}: level 1 at UBND Phường Tân Định; received {local(level1.received_at)}, "
                 f"deadline {local(level1.deadline_at)}")

    level2 = submit_report(session, DEMO_REPORTS[2], {"email": "citizen@example.org"})
    do("intake", level2, "screen", {"screening_outcome": "in_scope"})
    do("intake", level2, "classify", {"level": 2, "handling_unit": "inspectorate"})
    do("inspectorate", level2, "start_handling", {"handling_plan": "Làm việc với cơ sở, yêu cầu gỡ quảng cáo"})
    do("inspectorate", level2, "enter_result", {
        "findings": "Quảng cáo dịch vụ nha khoa chưa được xác nhận nội dung.", "measures": ["fine"],
        "fine_amount": 15000000, "citizen_summary": "Cơ sở bị phạt 15 triệu đồng và đã gỡ quảng cáo."})
    lines.append(f"{level2.code}: level 2, result entered, waiting for the inspector's verification")

    level3 = submit_report(session, DEMO_REPORTS[3])
    do("intake", level3, "screen", {"screening_outcome": "in_scope"})
    do("intake", level3, "classify", {"level": 3, "handling_unit": "inspectorate",
                                      "agencies": ["police", "market-mgmt"]})
    do("inspectorate", level3, "start_handling", {"handling_plan": "Kiểm tra liên ngành ban đêm"})
    lines.append(f"{level3.code}: level 3 with police and market management, waiting for their acknowledgement")
    return lines
