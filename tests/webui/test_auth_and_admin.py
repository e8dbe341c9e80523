"""Signing in and out, and the administrator's user management."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import AuditEntry, User


def test_sign_in_lands_on_the_inbox(browser):
    response = browser.sign_in("ward")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox/")
    assert browser.get("/inbox/").status_code == 200


def test_a_wrong_password_is_refused_with_a_message_and_the_name_kept(browser):
    response = browser.sign_in("ward", "wrong")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'id="login-error"' in html and 'value="ward"' in html
    assert browser.get("/inbox/").status_code == 302


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(browser):
    response = browser.client.post("/login?next=/cases/", data={"username": "intake", "password": "demo"})
    assert response.headers["Location"].endswith("/cases/")
    browser.client.post("/logout")
    for target in ("//evil.example/x", "/\t/evil.example/x", "/\\evil.example/x", "https://evil.example/x",
                   "/cases/" + "x" * 5000):
        response = browser.client.post(f"/login?next={quote(target)}", data={"username": "intake", "password": "demo"})
        assert "evil.example" not in response.headers["Location"] and len(response.headers["Location"]) < 100
        browser.client.post("/logout")


def test_sign_out(as_user):
    ward = as_user("ward")
    assert ward.post("/logout").status_code == 302
    assert ward.get("/inbox/").status_code == 302


def test_an_inactive_user_cannot_sign_in(browser, factory):
    with transaction(factory) as session:
        session.scalar(select(User).where(User.username == "ward")).active = False
    assert browser.sign_in("ward").status_code == 401


def test_forms_without_the_csrf_token_are_refused(factory, clock, app_config):
    from webui.app import create_app

    app = create_app(app_config(DB_ENGINE=factory.kw["bind"], TESTING=True, SECRET_KEY="t"))
    app.extensions["rr_sessions"] = factory
    response = app.test_client().post("/login", data={"username": "ward", "password": "demo"})
    assert response.status_code == 400


def test_an_admin_creates_a_user_who_can_then_sign_in(as_user, browser, factory):
    admin = as_user("admin")
    response = admin.post("/admin/users/new", data={
        "username": "ward2", "display_name": "Cán bộ phường 2", "roles": ["handling_unit"],
        "unit": "ward-tan-dinh", "email": "ward2@example.org", "password": "a-long-password", "active": "1"})
    assert response.status_code == 302
    assert "ward2" in admin.get("/admin/users").get_data(as_text=True)
    assert browser.sign_in("ward2", "a-long-password").status_code == 302
    with transaction(factory) as session:
        user = session.scalar(select(User).where(User.username == "ward2"))
        assert user.role_names == {"handling_unit"} and user.unit_code == "ward-tan-dinh"
        assert session.scalar(select(AuditEntry).where(AuditEntry.kind == "user_created")).actor == "admin"


def test_user_form_errors_are_shown_per_field_with_input_kept(as_user):
    response = as_user("admin").post("/admin/users/new", data={
        "username": "X Y", "display_name": "Người mới", "roles": [], "unit": "nowhere", "password": "short"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("username", "roles", "unit", "password"):
        assert f'id="err-{field}"' in html
    assert 'value="Người mới"' in html


def test_a_staff_account_cannot_be_given_the_citizens_role(as_user, factory):
    """The form never offers it; a crafted request did create such an account."""
    response = as_user("admin").post("/admin/users/new", data={
        "username": "dan", "display_name": "Người dân", "roles": ["citizen"], "password": "long enough 123"})
    assert response.status_code == 422 and 'id="err-roles"' in response.get_data(as_text=True)
    with transaction(factory) as session:
        assert session.scalar(select(User).where(User.username == "dan")) is None


def test_a_too_long_name_and_a_nul_character_are_refused_with_a_message(as_user, factory):
    admin = as_user("admin")
    new = {"username": "moi", "roles": ["intake"], "password": "password-1"}
    too_long = admin.post("/admin/users/new", data={**new, "display_name": "A" * 100_000})
    assert too_long.status_code == 422 and 'id="err-display_name"' in too_long.get_data(as_text=True)
    nul = admin.post("/admin/users/new", data={**new, "display_name": "Người\x00mới", "email": "a\x00@b.vn"})
    assert nul.status_code == 422
    assert 'id="err-' in nul.get_data(as_text=True) or 'id="form-problem"' in nul.get_data(as_text=True)
    with factory() as session:
        assert session.scalar(select(User).where(User.username == "moi")) is None


@pytest.mark.parametrize("name", ["admin", "ADMIN", " Ward "])
def test_the_new_user_form_never_overwrites_an_existing_account(as_user, browser, factory, name):
    """User names are stored lower-case and trimmed: "ADMIN" is the admin's account, and a new user must not
    take it over (its roles, its password)."""
    response = as_user("admin").post("/admin/users/new", data={
        "username": name, "display_name": "Impostor", "roles": ["intake"], "password": "password-1", "active": "1"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="err-username"' in html and "Đã có người dùng với tên đăng nhập này" in html
    with transaction(factory) as session:
        account = session.scalar(select(User).where(User.username == name.strip().lower()))
        assert account.display_name != "Impostor" and "intake" not in account.role_names
    assert browser.sign_in(name.strip().lower()).status_code == 302  # the old password still works


def test_the_last_active_administrator_keeps_the_role_and_stays_active(as_user, factory):
    admin = as_user("admin")
    mine = {"display_name": "Quản trị", "roles": ["admin"]}
    off = admin.post("/admin/users/admin", data=mine)  # "active" unchecked
    assert off.status_code == 422 and 'id="err-active"' in off.get_data(as_text=True)
    assert "Phải còn ít nhất một quản trị viên" in off.get_data(as_text=True)
    demoted = admin.post("/admin/users/admin", data={**mine, "roles": ["intake"], "active": "1"})
    assert demoted.status_code == 422 and 'id="err-roles"' in demoted.get_data(as_text=True)
    assert admin.post("/admin/users/new", data={"username": "admin2", "display_name": "Quản trị 2", "roles": ["admin"],
                                                "password": "password-2", "active": "1"}).status_code == 302
    assert admin.post("/admin/users/admin", data={**mine, "roles": ["intake"], "active": "1"}).status_code == 302
    with transaction(factory) as session:  # with another administrator, the first may step down
        assert session.scalar(select(User).where(User.username == "admin")).role_names == {"intake"}


def test_an_admin_changes_roles_and_deactivates(as_user, browser):
    admin = as_user("admin")
    response = admin.post("/admin/users/ward", data={"display_name": "Trần Thị Phường", "roles": ["handling_unit",
                          "supervisor"], "unit": "ward-ben-thanh"})
    assert response.status_code == 302
    assert browser.sign_in("ward").status_code == 401  # "active" unchecked


def test_failing_cases_are_incidents_an_admin_sees_and_retries(as_user, drive, factory):
    from sqlalchemy import update

    from engine import timers
    from engine.models import Case

    broken = drive.report()
    drive.do("intake", broken, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", broken, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    good_json = drive.case(broken).workflow_json
    with transaction(factory) as session:
        session.execute(update(Case).where(Case.id == broken).values(workflow_json='{"broken": true}'))
    drive.advance(hours=21)
    for _ in range(timers.INCIDENT_AFTER_FAILURES - 1):
        drive.advance(hours=2)
    admin = as_user("admin")
    html = admin.get("/admin/incidents").get_data(as_text=True)
    code = drive.case(broken).code
    assert f'data-case-code="{code}"' in html and "table-danger" in html
    assert as_user("leader").get("/admin/incidents").status_code == 403
    with transaction(factory) as session:  # the cause is repaired
        session.execute(update(Case).where(Case.id == broken).values(workflow_json=good_json))
    assert admin.post(f"/admin/incidents/{broken}/retry").status_code == 302
    case = drive.case(broken)
    assert not case.incident and case.timer_failures == 0
    assert timers.run_once(factory).fired >= 1
    assert "incident_retried" in drive.events(broken)
    assert f'data-case-code="{code}"' not in admin.get("/admin/incidents").get_data(as_text=True)
