"""Password hashing (Argon2id through argon2-cffi) and the actor of a user."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from .errors import ValidationError
from .inbox import Actor
from .models import Role, Unit, User, UserRole

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.role_names, user.unit_code)


USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 8


def save_user(session: Session, by: str, *, username: str, display_name: str, roles: list[str],
              unit: str | None = None, email: str | None = None, password: str | None = None,
              active: bool = True) -> User:
    """Create a user, or update the one with this user name (roles, unit, e-mail, active; password if given)."""
    username = (username or "").strip().lower()
    errors: dict[str, str] = {}
    if not USERNAME.match(username):
        errors["username"] = "2–80 chữ thường, số, . _ - (2–80 lowercase letters, digits, . _ -)"
    if not (display_name or "").strip():
        errors["display_name"] = "Bắt buộc nhập (required)"
    unknown = [r for r in roles if r not in set(Role)]
    if not roles or unknown:
        errors["roles"] = "Chọn ít nhất một vai trò hợp lệ (choose at least one known role)"
    if unit and session.get(Unit, unit) is None:
        errors["unit"] = "Không có đơn vị này (no such unit)"
    if email and ("@" not in email or any(c in email for c in "\r\n ")):
        errors["email"] = "Sai định dạng e-mail (not an e-mail address)"
    user = session.scalar(select(User).where(User.username == username))
    if password is not None and password != "" and len(password) < MIN_PASSWORD:
        errors["password"] = f"Tối thiểu {MIN_PASSWORD} ký tự (at least {MIN_PASSWORD} characters)"
    if user is None and not password:
        errors["password"] = "Bắt buộc với người dùng mới (required for a new user)"  # noqa: S105 - a message, not a password
    if errors:
        raise ValidationError("the user could not be saved", errors)
    created = user is None
    before = None if user is None else {"roles": sorted(user.role_names), "unit": user.unit_code,
                                        "active": user.active, "email": user.email}
    if user is None:
        user = User(username=username)
        session.add(user)
    user.display_name = display_name.strip()
    user.unit_code = unit or None
    user.email = (email or "").strip() or None
    user.active = active
    wanted = set(roles)
    user.roles = [r for r in user.roles if r.role in wanted]
    user.roles.extend(UserRole(role=r) for r in sorted(wanted - user.role_names))
    if password:
        user.password_hash = hash_password(password)
    after = {"roles": sorted(user.role_names), "unit": user.unit_code, "active": user.active, "email": user.email}
    changed = sorted(k for k in after if before is None or before[k] != after[k])
    events.audit(session, by, "user_created" if created else "user_updated",
                 {"username": username, "roles": sorted(set(roles)), "unit": unit, "active": active,
                  "password_changed": bool(password), "changed": changed,
                  **({"roles_before": before["roles"]} if before and "roles" in changed else {})})
    session.flush()
    return user
