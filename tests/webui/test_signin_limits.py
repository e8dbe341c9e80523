"""Sign-in cannot be guessed at: failures lock the user name (and, at a higher count, the address) for a while,
with a clear message and the form kept; unknown names cost the same Argon2 work as wrong passwords; every
sign-in, failure and lock-out is in the audit log."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import accounts
from engine.db import transaction
from engine.models import AuditEntry, User


def audit_kinds(factory, actor: str | None = None) -> list[tuple[str, str]]:
    with transaction(factory) as session:
        query = select(AuditEntry).where(AuditEntry.kind.like("signin%")).order_by(AuditEntry.id)
        return [(e.kind, e.actor) for e in session.scalars(query) if actor in (None, e.actor)]


def fail(browser, username: str = "ward", ip: str = "198.51.100.1"):
    return browser.client.post("/login", data={"username": username, "password": "wrong"},
                               environ_base={"REMOTE_ADDR": ip})


def test_five_failures_lock_the_account_for_15_minutes_with_a_message_and_the_form_kept(browser, factory, clock):
    for _ in range(4):
        assert fail(browser).status_code == 401
    locked = fail(browser)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) == 15 * 60
    html = locked.get_data(as_text=True)
    assert 'id="login-error"' in html and 'value="ward"' in html and "thử lại sau 15 phút" in html
    right = browser.client.post("/login", data={"username": "ward", "password": "demo"})
    assert right.status_code == 429  # even the right password waits: the lock is on the name, from any address
    assert browser.get("/inbox/").status_code == 302

    clock.advance(minutes=14)
    still = browser.client.post("/login", data={"username": "ward", "password": "demo"})
    assert still.status_code == 429 and int(still.headers["Retry-After"]) == 60
    clock.advance(minutes=1, seconds=1)
    assert browser.sign_in("ward").status_code == 302
    kinds = [k for k, _ in audit_kinds(factory, "ward")]
    assert kinds == ["signin_failed"] * 5 + ["signin_locked", "signin"]


def test_the_lock_out_is_per_account(browser, clock):
    for _ in range(5):
        fail(browser, "ward")
    assert fail(browser, "ward").status_code == 429
    assert browser.sign_in("inspector").status_code == 302


def test_failures_spread_over_more_than_the_window_do_not_lock(browser, clock):
    for _ in range(6):
        assert fail(browser).status_code == 401
        clock.advance(minutes=4)  # never five within 15 minutes
    assert browser.sign_in("ward").status_code == 302


def test_a_successful_sign_in_clears_the_accounts_failures(browser, clock):
    for _ in range(4):
        fail(browser)
    assert browser.sign_in("ward").status_code == 302
    browser.client.post("/logout")
    for _ in range(4):
        assert fail(browser).status_code == 401


def test_one_address_trying_many_names_is_locked_at_a_higher_count(browser, factory, clock):
    names = [f"guess{i}" for i in range(19)]
    for name in names:
        assert fail(browser, name).status_code == 401  # one failure per name: no account lock
    assert fail(browser, "guess-last").status_code == 429  # the 20th failure from this address
    refused = browser.client.post("/login", data={"username": "ward", "password": "demo"},
                                  environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert refused.status_code == 429
    other = browser.client.post("/login", data={"username": "ward", "password": "demo"},
                                environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert other.status_code == 302
    assert ("signin_locked", "guess-last") in audit_kinds(factory)


def test_unknown_and_inactive_names_are_checked_against_a_dummy_hash(browser, factory, monkeypatch):
    """Finding: an unknown name was refused in 6 ms, a wrong password in 250 ms."""
    with transaction(factory) as session:
        session.scalar(select(User).where(User.username == "police")).active = False
    checked: list[str] = []
    real_verify = accounts.verify_password

    def spy(password_hash, password):
        checked.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", spy)
    for name in ("nobody-here", "police", ""):
        assert fail(browser, name).status_code == 401
    assert checked == [accounts.dummy_hash()] * 3
    assert checked[0].startswith("$argon2id$")
    checked.clear()
    assert fail(browser, "ward").status_code == 401
    with transaction(factory) as session:
        assert checked == [session.scalar(select(User.password_hash).where(User.username == "ward"))]


def test_unknown_names_give_the_same_answer_as_wrong_passwords(browser):
    unknown, wrong = fail(browser, "nobody-here"), fail(browser, "ward")
    assert unknown.status_code == wrong.status_code == 401

    def page(response) -> str:  # the CSRF token carries a timestamp: not part of the comparison
        return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))

    assert page(unknown).replace("nobody-here", "ward") == page(wrong)


def test_every_sign_in_and_failure_is_audited_with_the_address(browser, factory):
    fail(browser, "ward", ip="198.51.100.9")
    assert browser.sign_in("ward").status_code == 302
    with transaction(factory) as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.kind.like("signin%"))
                                       .order_by(AuditEntry.id)))
        assert [(e.kind, e.actor, e.detail["ip"]) for e in entries] == [
            ("signin_failed", "ward", "198.51.100.9"), ("signin", "ward", "127.0.0.1")]
        assert entries[0].detail["reason"] == "wrong_password"
        assert all("password" not in e.detail and "demo" not in str(e.detail) for e in entries)


@pytest.mark.parametrize(("variable", "value"), [("RR_SIGNIN_MAX_FAILURES", "0"), ("RR_SIGNIN_LOCK_MINUTES", "soon")])
def test_bad_lock_out_settings_stop_the_start_with_a_clear_message(monkeypatch, variable, value):
    from webui import config

    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit, match=variable):
        config.signin_policy()


def test_lock_out_numbers_come_from_the_environment(monkeypatch):
    from webui import config

    monkeypatch.setenv("RR_SIGNIN_MAX_FAILURES", "3")
    monkeypatch.setenv("RR_SIGNIN_MAX_FAILURES_PER_IP", "50")
    monkeypatch.setenv("RR_SIGNIN_LOCK_MINUTES", "30")
    assert config.signin_policy() == accounts.SignInPolicy(3, 50, timedelta(minutes=30), timedelta(minutes=30))


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_counted(factory, clock, app_config):
    from webui.app import create_app

    app = create_app(app_config(DB_ENGINE=factory.kw["bind"], TESTING=True, WTF_CSRF_ENABLED=False,
                                SECRET_KEY="test", TRUSTED_PROXIES=1))
    app.extensions["rr_sessions"] = factory
    client = app.test_client()
    client.post("/login", data={"username": "ward", "password": "wrong"},
                headers={"X-Forwarded-For": "198.51.100.77"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    with transaction(factory) as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.kind == "signin_failed"))
        assert entry.detail["ip"] == "198.51.100.77"


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    from webui import config

    monkeypatch.delenv("RR_TRUSTED_PROXIES", raising=False)
    assert config.trusted_proxies() == 0
    monkeypatch.setenv("RR_TRUSTED_PROXIES", "2")
    assert config.trusted_proxies() == 2
    monkeypatch.setenv("RR_TRUSTED_PROXIES", "many")
    with pytest.raises(SystemExit, match="RR_TRUSTED_PROXIES"):
        config.trusted_proxies()


def test_sign_ins_stay_out_of_the_process_owners_audit_log(browser, as_user):
    """Failed sign-in names are sometimes mistyped passwords: they are for administrators, not the studio."""
    fail(browser, "my-secret-password")
    html = as_user("owner").get("/studio/audit").get_data(as_text=True)
    assert "my-secret-password" not in html and "signin" not in html
