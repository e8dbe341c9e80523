"""The signed-in user is read fresh at every request in one statement: roles, unit, the units token and the
unread-notification count the badge shows (the same count as `notifications.unread_count`)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import accounts, directory, notifications
from engine.clock import now
from engine.db import transaction
from engine.models import Notification, Unit, User
from tests.factories import add_user


def _notify(session, case_id, role, *, unit=None, username=None, minutes_ago=0):
    session.add(Notification(case_id=case_id, kind="task_assigned", role=role, unit=unit, username=username,
                             created_at=now() - timedelta(minutes=minutes_ago)))


def _unread(session, username: str) -> tuple[int | None, int]:
    """(the count read with the user, `notifications.unread_count` of the same user)."""
    account = accounts.signed_in_user(session, session.scalar(select(User.id).where(User.username == username)),
                                      with_unread=True)
    return account.unread_notifications, notifications.unread_count(session, accounts.actor_of(account))


def test_the_unread_count_read_with_the_user_is_the_badges_count(factory, clock):
    case_id = None  # notifications about no case (as a briefing's): the test's are the only ones
    with transaction(factory) as session:
        add_user(session, ["handling_unit", "supervisor"], "ward-ben-thanh", "two-roles")
        add_user(session, "coordinator", "police", "agent")
        _notify(session, case_id, "handling_unit", unit="ward-ben-thanh")  # the unit's role
        _notify(session, case_id, "handling_unit", unit="ward-tan-dinh")  # another unit: not theirs
        _notify(session, case_id, "supervisor")  # a role, any unit
        _notify(session, case_id, "intake", username="two-roles")  # personally
        _notify(session, case_id, "coordinator", unit="police", minutes_ago=90)  # seen already (below)
        _notify(session, case_id, "coordinator", unit="police")
    with transaction(factory) as session:
        session.scalar(select(User).where(User.username == "agent")).notifications_seen_at = now() - timedelta(
            minutes=60)
    with transaction(factory) as session:
        for username, unread in (("two-roles", 3), ("agent", 1), ("intake", 0)):
            with_user, badge = _unread(session, username)
            assert with_user == badge == unread, username
        user_id = session.scalar(select(User.id).where(User.username == "two-roles"))
        assert accounts.signed_in_user(session, user_id).unread_notifications is None  # not asked for


def test_a_deactivated_user_or_a_role_change_is_seen_at_the_next_read(factory):
    with transaction(factory) as session:
        user_id = add_user(session, ["intake", "supervisor"], "rrt", "changing").id
    with transaction(factory) as session:
        account = accounts.signed_in_user(session, user_id)
        assert (account.username, account.unit_code, account.role_names) == ("changing", "rrt",
                                                                             {"intake", "supervisor"})
        accounts.save_user(session, "admin", username="changing", display_name="Changing", roles=["inspector"])
    with transaction(factory) as session:
        assert accounts.signed_in_user(session, user_id).role_names == {"inspector"}
        accounts.save_user(session, "admin", username="changing", display_name="Changing", roles=["inspector"],
                           active=False)
    with transaction(factory) as session:
        assert accounts.signed_in_user(session, user_id) is None


def test_any_change_to_a_unit_gives_a_new_units_token_and_the_copy_is_read_again(factory, db_engine):
    with transaction(factory) as session:
        before = session.scalar(select(directory.units_version()))
        intake_id = session.scalar(select(User.id).where(User.username == "intake"))
        assert accounts.signed_in_user(session, intake_id).units_version == before
        first = directory.units_as_of(session, before)
        assert directory.units_as_of(session, before) is first  # the copy, not read again
    with transaction(factory) as session:
        session.get(Unit, "ward-ben-thanh").name = "Phường Bến Thành (mới)"
    with transaction(factory) as session:
        after = session.scalar(select(directory.units_version()))
        assert after != before
        units = directory.units_as_of(session, after)
        assert units is not first and {u.code: u.name for u in units}["ward-ben-thanh"] == "Phường Bến Thành (mới)"
        assert [(u.code, u.name, u.kind) for u in units] == [(u.code, u.name, u.kind)
                                                             for u in directory.all_units(session)]
