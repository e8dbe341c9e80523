"""What every signed-in request reads: the user fresh from the database (a deactivation or a role change counts at
the next request), and the units list from this process's copy as long as no unit changed."""
from __future__ import annotations

import pytest
from sqlalchemy import event, update

from engine import accounts
from engine.db import transaction
from engine.models import Unit, User


@pytest.fixture
def statements(db_engine):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(db_engine, "before_cursor_execute", record)
    yield seen
    event.remove(db_engine, "before_cursor_execute", record)


def _unit_reads(statements: list[str]) -> int:
    return sum(1 for s in statements if "FROM units" in s)


def test_the_units_are_read_once_until_a_unit_changes(as_user, drive, create_case, factory, statements):
    case_id = create_case(at="classify")
    page = f"/cases/{case_id}/tasks/{drive.task(case_id, 'classify').task_id}"
    intake = as_user("intake")
    assert "Phường Bến Thành" in intake.get(page).get_data(as_text=True)
    statements.clear()
    html = intake.get(page).get_data(as_text=True)
    assert "Phường Bến Thành" in html and _unit_reads(statements) == 0, statements  # this process's copy
    with transaction(factory) as session:  # renamed by another process (the admin page, a command)
        session.get(Unit, "ward-ben-thanh").name = "Phường Bến Thành Mới"
    statements.clear()
    html = intake.get(page).get_data(as_text=True)
    assert "Phường Bến Thành Mới" in html and _unit_reads(statements) == 1
    statements.clear()
    intake.get(page)
    assert _unit_reads(statements) == 0


def test_a_unit_renamed_on_the_admin_page_is_shown_renamed_at_once(as_user, drive, create_case):
    case_id = create_case(at="classify")
    page = f"/cases/{case_id}/tasks/{drive.task(case_id, 'classify').task_id}"
    intake = as_user("intake")
    assert "Phường Tân Định" in intake.get(page).get_data(as_text=True)
    assert as_user("admin").post("/admin/units/ward-tan-dinh", data={"name": "Phường Tân Định (đổi tên)",
                                                                    "email": ""}).status_code == 302
    assert "Phường Tân Định (đổi tên)" in intake.get(page).get_data(as_text=True)


def test_a_deactivated_user_is_signed_out_at_the_next_request(as_user, factory):
    intake = as_user("intake")
    assert intake.get("/inbox/").status_code == 200
    with transaction(factory) as session:
        session.execute(update(User).where(User.username == "intake").values(active=False))
    response = intake.get("/inbox/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_role_taken_away_counts_at_the_next_request(as_user, factory):
    admin = as_user("admin")
    assert admin.get("/admin/users").status_code == 200
    with transaction(factory) as session:  # another administrator first: the last one keeps the role
        accounts.save_user(session, "tests", username="admin2", display_name="Admin 2", roles=["admin"],
                           password="password-2")
        accounts.save_user(session, "tests", username="admin", display_name="Admin", roles=["intake"], unit="rrt")
    assert admin.get("/admin/users").status_code == 403
