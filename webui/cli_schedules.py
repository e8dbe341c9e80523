"""`rapid-response schedules`: the leadership's scheduled briefings (engine/scheduled.py) for operators."""
from __future__ import annotations

import click

from engine import scheduled
from engine.db import transaction
from engine.settings import LOCAL_TZ


@click.group("schedules")
def schedules() -> None:
    """The scheduled reporting process (weekly and quarterly briefings)."""


@schedules.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
def schedules_list(limit: int) -> None:
    """The latest instances: schedule, period, briefing time (Ho Chi Minh City), status, who reviewed it."""
    from .cli import _factory

    with transaction(_factory()) as session:
        for run in scheduled.runs(session, limit):
            who = f" reviewed by {run.completed_by}" if run.completed_by else ""
            error = f" error: {run.last_error.splitlines()[0]}" if run.last_error else ""
            click.echo(f"{run.id:>5} {run.schedule:<9} {run.period:<8} "
                       f"{run.briefing_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M} {run.status:<7}{who}{error}")


@schedules.command("start")
def schedules_start() -> None:
    """Deploy the reporting process if needed and start the next instance of each schedule (idempotent)."""
    from .cli import _factory

    with transaction(_factory()) as session:
        result = scheduled.install(session, actor="cli")
        if result.deployed is not None:
            click.echo(f"deployed {result.deployed.process_id} version {result.deployed.number}")
        for run in result.started:
            briefing = run.briefing_at.astimezone(LOCAL_TZ)
            click.echo(f"started {run.schedule} {run.period} (briefing {briefing:%Y-%m-%d %H:%M})")
        if not result.started:
            click.echo("every schedule already has a waiting instance")
