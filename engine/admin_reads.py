"""What the administration pages list: staff accounts (administrators only)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .errors import PermissionDenied
from .messages import t
from .models import Role, User


def _require_admin(actor: Actor) -> None:
    if Role.ADMIN.value not in actor.roles:
        raise PermissionDenied(t("admins_only"))


def users(session: Session, actor: Actor) -> list[User]:
    """Every account, by user name."""
    _require_admin(actor)
    return list(session.scalars(select(User).order_by(User.username)))


def user_named(session: Session, actor: Actor, username: str) -> User | None:
    _require_admin(actor)
    return session.scalar(select(User).where(User.username == username))
