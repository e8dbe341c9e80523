"""Every staff page for every demo role: who may open it, who is refused (403), and anonymous visitors
are sent to the sign-in page."""
from __future__ import annotations

import pytest

from engine.db import transaction
from engine.models import User, UserRole
from tests.webui.conftest import demo_hash

ROLES = ["intake", "ward", "inspectorate", "chief", "inspector", "police", "market", "labour", "leader", "owner",
         "admin"]
EVERYONE = set(ROLES)
SEE_ALL = {"intake", "inspector", "leader", "owner", "admin"}


@pytest.fixture
def cases_at_steps(drive):
    """A level-1 case at the Bến Thành ward and a level-3 case with police and market management."""
    level1 = drive.report()
    drive.do("intake", level1, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", level1, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    level3 = drive.report(ward="ward-sai-gon")
    drive.do("intake", level3, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", level3, "classify", {"level": 3, "handling_unit": "inspectorate",
                                            "agencies": ["police", "market-mgmt"]})
    new = drive.report()
    return {"level1": level1, "level3": level3, "new": new,
            "screen_task": drive.task(new, "screen").task_id}


def pages(c) -> list[tuple[str, set[str]]]:
    l1, l3 = c["level1"], c["level3"]
    return [
        ("/inbox/", EVERYONE),
        ("/notifications/", EVERYONE),
        ("/cases/", EVERYONE),  # every staff role has a case list; units and agencies see only theirs
        (f"/cases/{l1}", SEE_ALL | {"ward"}),
        (f"/cases/{l1}/diagram.bpmn", SEE_ALL | {"ward"}),
        (f"/cases/{l1}/diagram-state.json", SEE_ALL | {"ward"}),
        (f"/cases/{l3}", SEE_ALL | {"inspectorate", "chief", "police", "market"}),
        (f"/cases/{c['new']}/tasks/{c['screen_task']}", {"intake"}),
        ("/admin/users", {"admin"}),
        ("/admin/users/new", {"admin"}),
        ("/admin/users/ward", {"admin"}),
        ("/admin/incidents", {"admin"}),
    ]


@pytest.mark.parametrize("username", ROLES)
def test_each_role_opens_exactly_the_pages_meant_for_it(as_user, cases_at_steps, username):
    client = as_user(username)
    wrong = []
    for url, allowed in pages(cases_at_steps):
        status = client.get(url).status_code
        expected = 200 if username in allowed else 403
        if status != expected:
            wrong.append(f"{url}: {status}, expected {expected}")
    assert wrong == []


def test_anonymous_visitors_are_sent_to_sign_in(browser, cases_at_steps):
    for url, _allowed in pages(cases_at_steps):
        response = browser.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_a_refused_page_explains_itself_in_the_layout(as_user, cases_at_steps):
    response = as_user("ward").get("/admin/users")
    assert response.status_code == 403
    assert 'id="error-message"' in response.get_data(as_text=True)


def test_an_unknown_case_is_a_clear_404(as_user, cases_at_steps):
    response = as_user("intake").get("/cases/999999")
    assert response.status_code == 404
    assert "999999" in response.get_data(as_text=True)


def test_a_role_without_a_case_list_is_refused_it(as_user, factory, cases_at_steps):
    with transaction(factory) as session:
        session.add(User(username="deputy", display_name="Supervisor only", unit_code="inspectorate", active=True,
                         password_hash=demo_hash(), roles=[UserRole(role="supervisor")]))
    assert as_user("deputy").get("/cases/").status_code == 403
