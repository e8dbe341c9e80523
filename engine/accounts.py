"""Password hashing (Argon2id through argon2-cffi) and the actor of a user."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from . import directory, events, mail, notifications, settings
from .actors import Actor
from .clock import now
from .errors import NotFound, TooManyAttempts, ValidationError
from .messages import t
from .models import Role, SignInFailure, Unit, User, UserRole

# Argon2id with m = 32 MiB, t = 2, p = 1. OWASP's Password Storage Cheat Sheet asks for at least m = 19 MiB,
# t = 2, p = 1 (or the equivalent m = 46 MiB, t = 1): this is 1.7 times that memory at the same passes. Measured
# on the department's 2-core server with argon2-cffi (median of 9 verifications): 66 ms at load average 5 and
# 124 ms at load average 12, against 262 ms and 533 ms for argon2-cffi's default (m = 64 MiB, t = 3, p = 4,
# used before; sign-in then took about 600 ms). m = 64 MiB, t = 2 took 141 ms and 305–413 ms: memory-hard work
# slows down most when the cores are shared, so the memory is what keeps a busy server near 150 ms. p = 1:
# extra lanes only help on idle cores, and sign-in shares them with the web workers. A stored hash made with
# other parameters is replaced at the next successful sign-in (`needs_rehash`).
ARGON2_PARAMETERS = {"time_cost": 2, "memory_cost": 32 * 1024, "parallelism": 1}
_HASHER = PasswordHasher(**ARGON2_PARAMETERS)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def needs_rehash(password_hash: str) -> bool:
    """True for a hash made with other parameters than today's (it is replaced at the next sign-in)."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash() -> str:
    """A hash no password matches, verified for unknown and inactive users so that every refused sign-in costs
    the same Argon2 work and the time taken does not tell which user names exist."""
    return _HASHER.hash(secrets.token_urlsafe(32))


@dataclass(frozen=True)
class SignInPolicy:
    """`max_failures` failed sign-ins for one user name, or `max_ip_failures` from one address, within `window`
    lock that name (or address) for `lockout`."""

    max_failures: int = 5
    max_ip_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


def sign_in(session: Session, username: str, password: str, ip: str | None,
            policy: SignInPolicy | None = None) -> User | None:
    """The user these credentials belong to, or None; every outcome is in the audit log. Raises TooManyAttempts
    while the user name or the address is locked out (no password is checked then), and when this failure
    starts a lock-out. The caller commits in every case, so that failures are counted."""
    policy = policy or SignInPolicy()
    name, address, at = (username or "").strip().lower()[:80], (ip or "unknown")[:45], now()
    locked = _locked_until(session, name, address, policy, at)
    if locked is not None:
        raise TooManyAttempts("too many failed sign-ins", retry_after=locked - at)
    user = session.scalar(select(User).where(User.username == name)) if name else None
    usable = user is not None and user.active and bool(user.password_hash)
    if verify_password(user.password_hash if usable else dummy_hash(), password or "") and usable:
        session.execute(delete(SignInFailure).where(SignInFailure.username == name))
        upgraded = needs_rehash(user.password_hash)
        if upgraded:  # the password is known only now: hash it again with today's parameters
            user.password_hash = hash_password(password)
        events.audit(session, name, "signin", {"ip": address, **({"password_rehashed": True} if upgraded else {})})
        return user
    session.execute(delete(SignInFailure).where(SignInFailure.at < at - policy.window - policy.lockout))
    session.add(SignInFailure(at=at, username=name, ip=address))
    events.audit(session, name or "-", "signin_failed",
                 {"ip": address, "reason": "wrong_password" if usable else "unknown_or_inactive_user"})
    session.flush()
    locked = _locked_until(session, name, address, policy, at)
    if locked is not None:
        events.audit(session, name or "-", "signin_locked", {"ip": address, "until": locked.isoformat()})
        raise TooManyAttempts("too many failed sign-ins", retry_after=locked - at)
    return None


def _locked_until(session: Session, name: str, address: str, policy: SignInPolicy, at: datetime) -> datetime | None:
    ends = [_lock_end(session, SignInFailure.username, name, policy.max_failures, policy, at),
            _lock_end(session, SignInFailure.ip, address, policy.max_ip_failures, policy, at)]
    return max((end for end in ends if end is not None), default=None)


def _lock_end(session: Session, column: InstrumentedAttribute, value: str, limit: int, policy: SignInPolicy,
              at: datetime) -> datetime | None:
    """When the latest lock-out of `value` ends, if it has not ended yet: a lock starts at the failure that
    makes `limit` failures within one window (failures are not recorded while locked)."""
    times = list(session.scalars(select(SignInFailure.at).where(column == value,
                                                                SignInFailure.at > at - policy.window - policy.lockout)
                                 .order_by(SignInFailure.at)))
    ends = [times[i] + policy.lockout for i in range(limit - 1, len(times))
            if times[i] - times[i - limit + 1] <= policy.window]
    return ends[-1] if ends and ends[-1] > at else None


@dataclass(frozen=True)
class SignedInAccount:
    """What a request needs of the signed-in user, read fresh at every request (so a deactivation or a change
    of roles takes effect at the user's next request) — with the unread-notification count when asked for."""

    id: int
    username: str
    display_name: str
    unit_code: str | None
    role_names: frozenset[str]
    unread_notifications: int | None = None
    units_version: str | None = None  # the units token, for this process's copy of the units list (directory.py)


@cache
def _signed_in_statement(with_unread: bool) -> Select:
    """Built once per process (building a statement costs more Python than running it; a built one also keeps
    its cache key), run with the user's id."""
    columns = [User.id, User.username, User.display_name, User.unit_code, directory.units_version().label("units")]
    if with_unread:
        columns.append(notifications.unread_count_of_user().label("unread"))
    me = select(*columns).where(User.id == bindparam("user_id"), User.active.is_(True)).subquery()
    return select(me, UserRole.role).outerjoin(UserRole, UserRole.user_id == me.c.id)


def signed_in_user(session: Session, user_id: int, *, with_unread: bool = False) -> SignedInAccount | None:
    """The account of a sign-in session, if it still exists and is active (a deactivated user is signed out).
    One statement of plain columns: the user, one row per role, the units token (so that the units list kept in
    memory is checked without a statement of its own) and (`with_unread`) the count of unread notifications
    (`notifications.unread_count`, computed once in the inner select). Run on the session's connection: plain
    columns need none of the ORM's work on a statement (a tenth of a millisecond, at every request)."""
    rows = session.connection().execute(_signed_in_statement(with_unread), {"user_id": user_id}).all()
    if not rows:
        return None
    first = rows[0]
    return SignedInAccount(first.id, first.username, first.display_name, first.unit_code,
                           frozenset(row.role for row in rows if row.role is not None),
                           first.unread if with_unread else None, first.units)


def own_account(session: Session, user_id: int) -> User | None:
    """The whole account of a signed-in user, for their own account page (e-mail, language, unit, roles)."""
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.role_names, user.unit_code)


USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 8
MAX_DISPLAY_NAME = 200  # users.display_name


# save_user(lang=KEEP_LANGUAGE): a new user gets Vietnamese, an existing one keeps the language they have.
KEEP_LANGUAGE = "keep"


def save_user(session: Session, by: str, *, username: str, display_name: str, roles: list[str],
              unit: str | None = None, email: str | None = None, password: str | None = None,
              active: bool = True, lang: str | None = KEEP_LANGUAGE, new: bool = False) -> User:
    """Create a user, or update the one with this user name (roles, unit, e-mail, active, language; password if
    given). `lang`: "vi", "en", or None for the department's default language. `new`: only create (a user of
    that name is a field error, never overwritten). The last active administrator cannot lose the role or be
    deactivated: nobody could manage accounts any more."""
    username = (username or "").strip().lower()
    errors: dict[str, str] = {}
    if lang not in (KEEP_LANGUAGE, None, *mail.LANGUAGES):
        errors["lang"] = t("unknown_language")
    if not USERNAME.match(username):
        errors["username"] = t("username_format")
    if not (display_name or "").strip():
        errors["display_name"] = t("required")
    elif len(display_name.strip()) > MAX_DISPLAY_NAME:
        errors["display_name"] = t("too_long", limit=MAX_DISPLAY_NAME)
    unknown = [r for r in roles if r not in set(Role) or r == Role.CITIZEN]  # citizens have no staff account
    if not roles or unknown:
        errors["roles"] = t("roles_required")
    if unit and session.get(Unit, unit) is None:
        errors["unit"] = t("no_such_unit")
    if email and not mail.valid_address(email.strip()):
        errors["email"] = t("not_email")
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and new:
        errors["username"] = t("username_taken")
    elif user is not None and not errors:
        errors.update(_last_admin_problem(session, user, roles, active))
    if password is not None and password != "" and len(password) < MIN_PASSWORD:
        errors["password"] = t("too_short", limit=MIN_PASSWORD)
    if user is None and not password:
        errors["password"] = t("password_for_new_user")
    if errors:
        raise ValidationError(t("user_invalid"), errors)
    created = user is None
    before = None if user is None else {"roles": sorted(user.role_names), "unit": user.unit_code,
                                        "active": user.active, "email": user.email, "lang": user.lang}
    if user is None:
        user = User(username=username)
        session.add(user)
    user.display_name = display_name.strip()
    user.unit_code = unit or None
    user.email = (email or "").strip() or None
    user.active = active
    if lang != KEEP_LANGUAGE or created:
        user.lang = "vi" if lang == KEEP_LANGUAGE else lang
    wanted = set(roles)
    user.roles = [r for r in user.roles if r.role in wanted]
    user.roles.extend(UserRole(role=r) for r in sorted(wanted - user.role_names))
    if password:
        user.password_hash = hash_password(password)
    after = {"roles": sorted(user.role_names), "unit": user.unit_code, "active": user.active, "email": user.email,
             "lang": user.lang}
    changed = sorted(k for k in after if before is None or before[k] != after[k])
    events.audit(session, by, "user_created" if created else "user_updated",
                 {"username": username, "roles": sorted(set(roles)), "unit": unit, "active": active,
                  "password_changed": bool(password), "changed": changed,
                  **({"roles_before": before["roles"]} if before and "roles" in changed else {})})
    session.flush()
    return user


def _last_admin_problem(session: Session, user: User, roles: list[str], active: bool) -> dict[str, str]:
    """The field error when this change would leave no active administrator (none otherwise)."""
    if not (user.active and Role.ADMIN in user.role_names) or (active and Role.ADMIN in roles):
        return {}
    others = session.scalar(select(func.count()).select_from(User).join(UserRole).where(
        UserRole.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id))
    return {} if others else {"active" if not active else "roles": t("last_admin")}


def set_language(session: Session, user_id: int, lang: str | None) -> User:
    """The user's own choice of language ("vi", "en", or None for the department's default): one write, and none
    when it is already theirs."""
    if lang not in (None, *mail.LANGUAGES):
        raise ValidationError(t("unknown_language"), {"lang": t("unknown_language")})
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(t("no_such_user"))
    if user.lang != lang:
        user.lang = lang
        session.flush()
    return user


def language_of(session: Session, user: User) -> str:
    """The language of the user's pages and mails: their own, else the department's."""
    return mail.language(user.lang, settings.of(session).default_language)
