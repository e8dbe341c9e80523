"""Leadership is told when a briefing review opens: one notification for the leadership role (the in-app list and
its unread badge) and one e-mail per leader in the outbox, with a link to the review; nobody else hears of it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine import notifications, review_notices, scheduled, timers
from engine.actors import Actor
from engine.db import transaction
from engine.models import Notification, OutboxEmail, User
from tests.factories import add_user

LEADER = Actor("leader", frozenset({"leadership"}))
INTAKE = Actor("intake", frozenset({"intake"}))
MONDAY_0700_HCM = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday 30 Nov 2026, 07:00 in Ho Chi Minh City


@pytest.fixture
def installed(factory, clock):
    with transaction(factory) as session:
        for username, email in (("leader", "leader@soyte.example"), ("intake", "intake@soyte.example")):
            session.scalar(select(User).where(User.username == username)).email = email
        scheduled.install(session, actor="tests")


def _mails(factory) -> list[OutboxEmail]:
    with transaction(factory) as session:
        return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_nothing_is_announced_before_monday_0700(installed, factory, clock):
    clock.set(MONDAY_0700_HCM - timedelta(minutes=1))
    timers.run_once(factory)
    with transaction(factory) as session:
        assert review_notices.latest(session, LEADER) == []
        assert notifications.unread_count(session, LEADER) == 0
    assert _mails(factory) == []


def test_leadership_is_told_once_when_the_weekly_review_opens(installed, factory, clock):
    clock.set(MONDAY_0700_HCM + timedelta(seconds=30))
    timers.run_once(factory)
    timers.run_once(factory)  # the worker runs again: still one notification, one e-mail
    with transaction(factory) as session:
        run = scheduled.open_reviews(session, LEADER)[0]
        notices = review_notices.latest(session, LEADER)
        assert [(n.notification.kind, n.run.id, n.run.period, n.is_open) for n in notices] == [
            ("briefing_review", run.id, "2026-W48", True)]
        assert notices[0].notification.case_id is None
        assert notices[0].notification.created_at == MONDAY_0700_HCM + timedelta(seconds=30)
        assert notifications.unread_count(session, LEADER) == 1
        assert notifications.grouped(session, LEADER) == []  # the case list is unaffected
        assert review_notices.latest(session, INTAKE) == []
        assert notifications.unread_count(session, INTAKE) == 0
        run_id = run.id
    mails = _mails(factory)
    assert [m.to_addr for m in mails] == ["leader@soyte.example"]
    assert mails[0].subject == "[2026-W48] Xem xét báo cáo tuần"  # the leader's language: Vietnamese only
    assert f"/inbox/reviews/{run_id}" in mails[0].body and "Báo cáo tuần 2026-W48 đã sẵn sàng" in mails[0].body
    assert "Review" not in mails[0].body and "Briefing" not in mails[0].body


def test_each_leader_reads_the_notice_in_their_own_language(installed, factory, clock):
    with transaction(factory) as session:
        add_user(session, "leadership", None, "leader_en", email="leader.en@soyte.example", lang="en")
        add_user(session, "leadership", None, "leader_none", email="leader.none@soyte.example", lang=None)
    clock.set(MONDAY_0700_HCM + timedelta(seconds=30))
    timers.run_once(factory)
    mails = {m.to_addr: m for m in _mails(factory)}
    assert sorted(mails) == ["leader.en@soyte.example", "leader.none@soyte.example", "leader@soyte.example"]
    english = mails["leader.en@soyte.example"]
    assert english.subject == "[2026-W48] Review the weekly report"
    assert "The weekly report 2026-W48 is ready for the briefing." in english.body
    assert "(Vietnam time)" in english.body and "Xem xét" not in english.body and "giờ" not in english.body
    assert mails["leader.none@soyte.example"].subject == "[2026-W48] Xem xét báo cáo tuần"  # the department's


def test_the_notice_says_reviewed_once_the_review_is_done_and_goes_with_its_run(installed, factory, clock):
    clock.set(MONDAY_0700_HCM + timedelta(minutes=5))
    timers.run_once(factory)
    with transaction(factory) as session:
        run_id = scheduled.open_reviews(session, LEADER)[0].id
        scheduled.complete_review(session, LEADER, run_id, {"acknowledged": True})
    with transaction(factory) as session:
        assert [n.is_open for n in review_notices.latest(session, LEADER)] == [False]
        session.delete(session.get(scheduled.ScheduledRun, run_id))
    with transaction(factory) as session:
        assert session.scalars(select(Notification).where(Notification.scheduled_run_id == run_id)).all() == []
