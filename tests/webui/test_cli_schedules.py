"""The operator's view of the scheduled briefings: init-db starts them once, the worker opens the review."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.db import make_engine, make_session_factory, transaction
from engine.models_reporting import ScheduledRun
from tests.webui.test_cli import cli  # noqa: F401 - the fixture


def test_init_db_starts_one_instance_per_schedule_and_the_worker_opens_the_weekly_review(cli):  # noqa: F811
    first = cli("init-db")
    assert first.exit_code == 0, first.output
    assert "leadership_reporting: 2 scheduled instances started" in first.output
    assert "leadership_reporting: 0 scheduled instances started" in cli("init-db").output
    assert "every schedule already has a waiting instance" in cli("schedules", "start").output
    listed = cli("schedules", "list").output
    assert "weekly" in listed and "quarterly" in listed and listed.count("waiting") == 2

    with transaction(make_session_factory(make_engine(cli.url))) as session:
        weekly = session.scalar(select(ScheduledRun).where(ScheduledRun.schedule == "weekly"))
        briefing, period = weekly.briefing_at, weekly.period
    result = cli("timers", "run-once", "--now", (briefing + timedelta(minutes=1)).isoformat())
    assert result.exit_code == 0, result.output
    listed = cli("schedules", "list").output
    assert any(period in line and "open" in line for line in listed.splitlines())
