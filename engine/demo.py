"""Demo organisation: wards, the inspectorate, partner agencies and one user per role (demo mode only)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Role, Unit, UnitKind, User, UserRole

DEMO_UNITS = [
    ("inspectorate", "Thanh tra Sở Y tế", UnitKind.INSPECTORATE),
    ("rrt", "Tổ chuyên trách phản ứng nhanh", UnitKind.DEPARTMENT),
    ("ward-ben-thanh", "UBND phường Bến Thành", UnitKind.WARD),
    ("ward-sai-gon", "UBND phường Sài Gòn", UnitKind.WARD),
    ("ward-tan-dinh", "UBND phường Tân Định", UnitKind.WARD),
    ("police", "Công an Thành phố", UnitKind.AGENCY),
    ("market-mgmt", "Chi cục Quản lý thị trường", UnitKind.AGENCY),
    ("labour", "Sở Nội vụ (lĩnh vực lao động - xã hội)", UnitKind.AGENCY),
]

# username, display name, roles, unit
DEMO_USERS = [
    ("intake", "Nguyễn Văn Tiếp Nhận", [Role.INTAKE], "rrt"),
    ("ward", "Trần Thị Phường", [Role.HANDLING_UNIT], "ward-ben-thanh"),
    ("inspectorate", "Lê Văn Thanh Tra", [Role.HANDLING_UNIT], "inspectorate"),
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
    added = 0
    for code, name, kind in DEMO_UNITS:
        if code not in existing:
            session.add(Unit(code=code, name=name, kind=kind.value))
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
