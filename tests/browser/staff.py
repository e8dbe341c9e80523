"""What staff do in the browser (sign in, claim, complete, sign out), and a citizen's report through the engine."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import cases, inbox
from engine.accounts import actor_of
from engine.db import transaction
from engine.models import Case, User
from tests.casedriver import REPORT

DEMO_PASSWORD = "demo"  # noqa: S105 - every demo user's password


def submit_report(factory: sessionmaker[Session], **overrides: Any) -> Case:
    """A citizen's report through the engine services (the case's .id and .code are loaded)."""
    with transaction(factory) as session:
        return cases.submit_report(session, {**REPORT, **overrides}, {"name": "Nguyễn A", "phone": "0901234567"})


def do_task(factory: sessionmaker[Session], username: str, case_id: int, task_name: str,
            data: dict[str, Any]) -> Case:
    """Staff complete one of the case's open tasks through the engine services (no browser, no UI)."""
    with transaction(factory) as session:
        open_tasks = inbox.case_tasks(session, case_id)
        item = next((t for t in open_tasks if t.task_name == task_name), None)
        assert item is not None, f"no open task {task_name!r}; open: {sorted(t.task_name for t in open_tasks)}"
        actor = actor_of(session.scalar(select(User).where(User.username == username)))
        return cases.complete_task(session, actor, case_id, item.task_id, data)


def sign_in(tab, username: str, password: str = DEMO_PASSWORD) -> None:
    tab.goto("/login")
    tab.fill("#username", username)
    tab.fill("#password", password)
    with tab.expect_navigation():
        tab.click("#sign-in")
    assert "/inbox/" in tab.url, f"{username} could not sign in (now at {tab.url})"


def sign_out(tab) -> None:
    with tab.expect_navigation():
        tab.locator("nav form[action$='/logout'] button[type=submit]").click()
    assert tab.url.endswith("/login"), f"not back at the sign-in page after signing out ({tab.url})"


def claim(tab, code: str, task: str) -> None:
    """Claim the case's task from the inbox; the app opens the task form."""
    row = tab.locator(f'tr[data-case-code="{code}"][data-task="{task}"]')
    assert row.count() == 1, f"no inbox row for {code} / {task}"
    with tab.expect_navigation():
        row.locator("button[name=claim]").click()
    assert "/tasks/" in tab.url, f"claiming {task} did not open the task form ({tab.url})"
    tab.wait_for_selector("#task-form")


def complete(tab) -> None:
    """Submit the task form; the app goes back to the inbox on success."""
    with tab.expect_navigation():
        tab.click("#complete-task")
    assert tab.url.rstrip("/").endswith("/inbox"), \
        f"the task was not completed (now at {tab.url}): {tab.locator('#form-errors').all_inner_texts()}"
