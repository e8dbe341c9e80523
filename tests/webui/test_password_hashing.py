"""Sign-in hashing: Argon2id at or above OWASP's minimum, the same cost for unknown names, and hashes made with
older parameters replaced with today's at the next successful sign-in."""
from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from engine import accounts
from engine.db import transaction
from engine.models import AuditEntry, User

OLD = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)  # argon2-cffi's default, used before


def stored_hash(factory, username: str) -> str:
    with transaction(factory) as session:
        return session.scalar(select(User.password_hash).where(User.username == username))


def set_hash(factory, username: str, value: str) -> None:
    with transaction(factory) as session:
        session.scalar(select(User).where(User.username == username)).password_hash = value


def sign_in(browser, username: str, password: str):
    return browser.client.post("/login", data={"username": username, "password": password})


def test_the_parameters_meet_owasps_minimum_for_argon2id():
    params = extract_parameters(accounts.hash_password("a long enough password"))
    assert params.type.name == "ID"
    # OWASP Password Storage Cheat Sheet: m=19 MiB t=2 p=1, or the equivalent m=47 MiB t=1 p=1
    assert (params.memory_cost >= 19 * 1024 and params.time_cost >= 2) or \
        (params.memory_cost >= 46 * 1024 and params.time_cost >= 1)
    assert params.parallelism >= 1


def test_unknown_names_are_checked_against_a_hash_of_the_same_cost():
    assert extract_parameters(accounts.dummy_hash()) == extract_parameters(accounts.hash_password("x" * 12))


def test_an_old_hash_is_upgraded_at_sign_in_and_still_works(browser, factory):
    set_hash(factory, "ward", OLD.hash("old-secret-1"))
    assert accounts.needs_rehash(stored_hash(factory, "ward"))
    assert sign_in(browser, "ward", "old-secret-1").status_code == 302
    upgraded = stored_hash(factory, "ward")
    assert not accounts.needs_rehash(upgraded)
    assert extract_parameters(upgraded).time_cost == accounts.ARGON2_PARAMETERS["time_cost"]
    assert accounts.verify_password(upgraded, "old-secret-1") and not accounts.verify_password(upgraded, "demo")
    with transaction(factory) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "signin")
                                .order_by(AuditEntry.id.desc())).first()
        assert entry.detail.get("password_rehashed") is True
    browser.client.post("/logout")
    assert sign_in(browser, "ward", "old-secret-1").status_code == 302


def test_a_wrong_password_does_not_touch_an_old_hash(browser, factory):
    old = OLD.hash("old-secret-1")
    set_hash(factory, "ward", old)
    assert sign_in(browser, "ward", "wrong-guess").status_code == 401
    assert stored_hash(factory, "ward") == old


def test_a_current_hash_is_kept_as_it_is(browser, factory):
    before = stored_hash(factory, "ward")
    assert not accounts.needs_rehash(before)
    assert sign_in(browser, "ward", "demo").status_code == 302
    assert stored_hash(factory, "ward") == before
