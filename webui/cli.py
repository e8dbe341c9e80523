"""The `rapid-response` command: set-up, demo data, the web server, the timer worker and timer operations."""
from __future__ import annotations

import logging
import threading
from datetime import datetime

import click
from sqlalchemy import func, select

from engine import demo, schema, timers, versions
from engine.accounts import hash_password
from engine.clock import FrozenClock, use_clock
from engine.db import make_engine, make_session_factory, transaction
from engine.errors import EngineError
from engine.models import Case, ProcessVersion

from . import config


def _factory():
    return make_session_factory(make_engine(config.database_url()))


class _Commands(click.Group):
    """Engine errors become a clean message and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EngineError as exc:
            problems = getattr(exc, "problems", []) or [f"{k}: {v}" for k, v in getattr(exc, "errors", {}).items()]
            raise click.ClickException("\n".join([str(exc), *problems])) from exc


@click.group(cls=_Commands)
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Rapid-response case system (health department)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION."""
    schema.upgrade(make_engine(config.database_url()), revision)
    click.echo(f"database at {revision}")


@main.command("init-db")
def init_db() -> None:
    """Apply migrations and deploy the procedure in processes/bpmn if no version is active yet."""
    engine = make_engine(config.database_url())
    schema.upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        active = session.scalar(select(ProcessVersion).where(ProcessVersion.active.is_(True)))
        if active is None:
            version = versions.deploy(session, versions.read_bundle(), actor="init-db",
                                      note="initial deployment from processes/bpmn")
            click.echo(f"deployed {version.process_id} version {version.number} ({version.content_hash[:12]})")
        else:
            click.echo(f"{active.process_id} version {active.number} is active")
    click.echo(f"database ready: {engine.url.render_as_string(hide_password=True)}")


@main.command("seed-demo")
def seed_demo() -> None:
    """Load demo units, one user per role (password 'demo') and a few demo cases. Safe to run twice."""
    with transaction(_factory()) as session:
        units = demo.seed_units(session)
        users = demo.seed_users(session, hash_password)
        cases = demo.seed_cases(session) if not session.scalar(select(func.count()).select_from(Case)) else []
    click.echo(f"demo data: {units} units, {users} users, {len(cases)} cases added")
    for line in cases:
        click.echo(f"  {line}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--with-worker/--no-worker", default=True, show_default=True,
              help="Run the timer worker in this process too.")
def serve(host: str, port: int, with_worker: bool) -> None:
    """Serve the web app (development server; see README for production)."""
    from .app import create_app

    app = create_app()
    stop = threading.Event()
    if with_worker:
        factory = app.extensions["rr_sessions"]
        threading.Thread(target=timers.run_forever, args=(factory, stop, config.timer_poll_seconds()),
                         name="timer-worker", daemon=True).start()
        click.echo(f"timer worker running (poll every {config.timer_poll_seconds():g} s)")
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        stop.set()


@main.command("worker")
@click.option("--poll", type=float, default=None, help="Seconds between sweeps (RR_TIMER_POLL_SECONDS).")
def worker(poll: float | None) -> None:
    """Run the timer worker: fire due deadlines, reminders and escalations until stopped."""
    stop = threading.Event()
    click.echo("timer worker started; Ctrl+C to stop")
    try:
        timers.run_forever(_factory(), stop, poll or config.timer_poll_seconds())
    except KeyboardInterrupt:
        stop.set()


@main.group("timers")
def timers_group() -> None:
    """Timer operations."""


@timers_group.command("run-once")
@click.option("--now", "at", default=None, metavar="ISO-8601",
              help="Fire everything due at this instant instead of the current time (e.g. 2026-11-26T09:00:00+07:00).")
def run_once(at: str | None) -> None:
    """Fire every timer that is due, once, and report what happened."""
    factory = _factory()
    if at is None:
        result = timers.run_once(factory)
    else:
        try:
            instant = datetime.fromisoformat(at)
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO-8601 date-time: {at!r}", param_hint="--now") from exc
        with use_clock(FrozenClock(instant)):
            result = timers.run_once(factory)
    click.echo(f"{result.woken} cases woken, {result.fired} timers fired, {len(result.failed)} failed")
    if result.failed:
        click.echo(f"failed cases (recorded, will be retried): {', '.join(map(str, result.failed))}")
        raise SystemExit(1)
