"""The audit log: append-only in the database itself, searchable by kind, actor and period, and it records
account and role changes, deployments and roll-backs, and every view of a reporter's contact."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from engine import audit, events, studio, versions
from engine.accounts import actor_of, save_user
from engine.db import transaction
from engine.models import AuditEntry, Case, User


def entries(factory, kind: str | None = None) -> list[AuditEntry]:
    with transaction(factory) as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        rows = session.scalars(query.where(AuditEntry.kind == kind) if kind else query).all()
        session.expunge_all()
        return list(rows)


def one_entry(factory) -> None:
    with transaction(factory) as session:
        events.audit(session, "admin", "user_updated", {"username": "ward"})


# --- append-only -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'someone-else'",
    "UPDATE audit_log SET detail = '{}'",
    "DELETE FROM audit_log",
])
def test_recorded_entries_cannot_be_changed_or_deleted_even_with_sql(factory, statement):
    one_entry(factory)
    before = [(e.id, e.actor, e.kind, e.detail) for e in entries(factory)]
    with pytest.raises(DBAPIError, match="append-only"), transaction(factory) as session:
        session.execute(text(statement))
    assert [(e.id, e.actor, e.kind, e.detail) for e in entries(factory)] == before


def test_the_orm_cannot_change_or_delete_an_entry_either(factory):
    one_entry(factory)
    with pytest.raises(DBAPIError, match="append-only"), transaction(factory) as session:
        session.execute(update(AuditEntry).values(kind="nothing"))
    with pytest.raises(DBAPIError, match="append-only"), transaction(factory) as session:
        session.execute(delete(AuditEntry))
    with pytest.raises(DBAPIError, match="append-only"), transaction(factory) as session:
        entry = session.scalar(select(AuditEntry))
        session.delete(entry)
    assert len(entries(factory)) >= 1


@pytest.mark.postgres
def test_on_postgresql_the_log_cannot_be_truncated(postgres_engine):
    from tests.conftest import _truncate, seeded_factory

    _truncate(postgres_engine)
    factory = seeded_factory(postgres_engine)
    one_entry(factory)
    with pytest.raises(DBAPIError, match="append-only"), postgres_engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    assert entries(factory)


def test_new_entries_can_still_be_added(factory):
    one_entry(factory)
    one_entry(factory)
    assert len(entries(factory, "user_updated")) >= 2


# --- search ----------------------------------------------------------------------------------------------

def test_the_log_is_searched_by_kind_actor_and_period_newest_first_in_pages(factory, clock):
    start = clock.now()
    with transaction(factory) as session:
        for hour in range(5):
            clock.set(start + timedelta(hours=hour))
            events.audit(session, "admin" if hour % 2 == 0 else "owner", "user_updated" if hour < 3 else "x_kind",
                         {"n": hour})
    with transaction(factory) as session:
        everything = audit.search(session, audit.AuditFilter(kind=None), page=1, page_size=2)
        assert everything.total >= 5 and everything.pages >= 3
        assert [e.at for e in everything.entries] == sorted((e.at for e in everything.entries), reverse=True)
        by_kind = audit.search(session, audit.AuditFilter(kind="x_kind"))
        assert sorted(e.detail["n"] for e in by_kind.entries) == [3, 4]
        by_actor = audit.search(session, audit.AuditFilter(actor="owner", kind="user_updated"))
        assert [e.detail["n"] for e in by_actor.entries] == [1]
        window = audit.search(session, audit.AuditFilter(since=start + timedelta(hours=1),
                                                         until=start + timedelta(hours=3)))
        assert sorted(e.detail.get("n") for e in window.entries) == [1, 2]
        second = audit.search(session, audit.AuditFilter(kind="user_updated"), page=2, page_size=2)
        assert [e.detail["n"] for e in second.entries] == [0] and second.pages == 2
        assert "x_kind" in audit.recorded_kinds(session)


# --- what is recorded ------------------------------------------------------------------------------------

def test_a_role_change_records_who_changed_what_and_the_roles_before(factory):
    with transaction(factory) as session:
        save_user(session, "admin", username="ward", display_name="Phường Bến Thành",
                  roles=["handling_unit", "supervisor"], unit="ward-ben-thanh")
    entry = entries(factory, "user_updated")[-1]
    assert entry.actor == "admin"
    assert entry.detail["username"] == "ward" and entry.detail["changed"] == ["roles"]
    assert entry.detail["roles_before"] == ["handling_unit"]
    assert entry.detail["roles"] == ["handling_unit", "supervisor"]


def test_creating_a_user_from_the_command_line_is_recorded(factory):
    with transaction(factory) as session:
        save_user(session, "cli", username="new-inspector", display_name="Thanh tra mới", roles=["inspector"],
                  password="long-enough-secret")
    entry = entries(factory, "user_created")[-1]
    assert (entry.actor, entry.detail["username"], entry.detail["password_changed"]) == \
        ("cli", "new-inspector", True)
    assert "long-enough-secret" not in str(entry.detail)


def test_a_deployment_and_a_roll_back_are_recorded(factory):
    with transaction(factory) as session:
        first = versions.active_version(session)
        bundle = dict(first.bundle)
        bundle["bpmn"] = {name: text_.replace("</bpmn:definitions>", "<!-- v2 --></bpmn:definitions>")
                          for name, text_ in bundle["bpmn"].items()}
        second = studio.deploy_bundle(session, "owner", bundle, "second")
        first_id, second_number = first.id, second.number
    with transaction(factory) as session:
        studio.activate(session, "owner", studio.get_version(session, first_id))
    deployed = entries(factory, "version_deployed")[-1]
    rolled_back = entries(factory, "version_activated")[-1]
    assert (deployed.actor, deployed.detail["number"]) == ("owner", second_number)
    assert rolled_back.actor == "owner" and rolled_back.detail["number"] == 1


def _actor(factory, username):
    with transaction(factory) as session:
        return actor_of(session.scalar(select(User).where(User.username == username)))


def test_each_view_of_a_reporters_contact_is_recorded_and_others_see_nothing(factory, drive):
    named = drive.report()
    anonymous = drive.report(facility_name="Nhà thuốc Ánh Dương")
    with transaction(factory) as session:
        session.get(Case, anonymous).reporter = None
    for username, page, expected in (("intake", "case", True), ("inspector", "task", True),
                                     ("ward", "case", False), ("leader", "case", False)):
        actor = _actor(factory, username)
        with transaction(factory) as session:
            assert audit.show_reporter(session, actor, session.get(Case, named), page=page) is expected
            assert audit.show_reporter(session, actor, session.get(Case, anonymous), page=page) is expected
    viewed = entries(factory, audit.REPORTER_VIEWED)
    assert [(e.actor, e.detail["page"]) for e in viewed] == [("intake", "case"), ("inspector", "task")]
    assert all("Nguyễn A" not in str(e.detail) for e in viewed)  # who looked and at what, not the contact
