"""The `rapid-response` command: set-up, demo data, the web server, the timer worker and timer operations."""
from __future__ import annotations

import importlib.util
import logging
import threading
from datetime import UTC, datetime

import click

from engine import cases as engine_cases
from engine import citizen, demo, outbox, privacy, scheduled, schema, timers, units, versions
from engine.accounts import KEEP_LANGUAGE, USERNAME, hash_password, save_user
from engine.clock import FrozenClock, use_clock
from engine.db import make_engine, make_session_factory, transaction
from engine.errors import EngineError
from engine.messages import t
from engine.settings import Settings

from . import cli_processes, cli_reports, cli_schedules, config, params

_SETTINGS = "rapid_response.settings"
BENCH_MODULE = "bench.cli"  # the benchmark, run from a source checkout; not part of the installed package


def _settings() -> Settings:
    """The settings from the environment, read once per command; a bad value is a clean error."""
    meta = click.get_current_context().meta
    if _SETTINGS not in meta:
        try:
            meta[_SETTINGS] = config.settings()
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    return meta[_SETTINGS]


def _factory():
    settings = _settings()
    return make_session_factory(make_engine(settings.database_url), settings)


class _Commands(click.Group):
    """Engine errors become a clean message and exit code 1, never a traceback. `bench` is loaded only when it
    is asked for, and only where the benchmark can be imported (a source checkout: `python -m webui.cli bench`);
    the installed `rapid-response` points to `python -m bench`."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EngineError as exc:
            problems = getattr(exc, "problems", []) or [f"{k}: {v}" for k, v in getattr(exc, "errors", {}).items()]
            raise click.ClickException("\n".join([str(exc), *problems])) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        return sorted([*names, "bench"]) if _bench_present() else names

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "bench" and name not in self.commands:
            if not _bench_present():
                raise click.UsageError("the benchmark is not installed with the application: run "
                                       "`python -m bench` in a source checkout (or `make bench`)", ctx)
            from bench.cli import bench

            return bench
        return super().get_command(ctx, name)


def _bench_present() -> bool:
    try:
        return importlib.util.find_spec(BENCH_MODULE) is not None
    except ModuleNotFoundError:
        return False


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
    """Apply the migrations up to REVISION (never back to an earlier one); say where the database is now."""
    engine = make_engine(_settings().database_url)
    before = schema.current(engine)
    after = schema.upgrade(engine, revision)
    at = ", ".join(after) or "no revision (an empty database)"
    click.echo(f"database unchanged, at {at}" if after == before else
               f"database upgraded from {', '.join(before) or 'an empty database'} to {at}")


@main.command("init-db")
def init_db() -> None:
    """Apply migrations and deploy the procedure in processes/bpmn if no version is active yet."""
    engine = make_engine(_settings().database_url)
    schema.upgrade(engine)
    with transaction(make_session_factory(engine, _settings())) as session:
        active = versions.find_active_version(session)
        if active is None:
            version = versions.deploy(session, versions.read_bundle(), actor="init-db",
                                      note="initial deployment from processes/bpmn")
            click.echo(f"deployed {version.process_id} version {version.number} ({version.content_hash[:12]})")
        else:
            click.echo(f"{active.process_id} version {active.number} is active")
        reporting = scheduled.install(session, actor="init-db")  # the leadership's briefings, once
        click.echo(f"{scheduled.PROCESS_ID}: {len(reporting.started)} scheduled instances started")
        if not units.official_units_loaded(session):
            _echo_import(units.import_wards(session, _province(None), actor="init-db"))
    click.echo(f"database ready: {engine.url.render_as_string(hide_password=True)}")


def _province(given: int | None) -> int:
    try:
        return given if given is not None else config.province()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _echo_import(result: units.ImportResult) -> None:
    click.echo(f"commune-level units: {result.added} added, {result.renamed} updated, {result.unchanged} unchanged")


@main.group("units")
def units_group() -> None:
    """Organisational units (wards, communes, agencies)."""


@units_group.command("import-wards")
@click.option("--province", type=int, default=None, help="Province code (RR_PROVINCE, default 79 = Hồ Chí Minh).")
def import_wards(province: int | None) -> None:
    """Load every commune-level unit of PROVINCE from the official list; safe to run again (updates names)."""
    with transaction(_factory()) as session:
        _echo_import(units.import_wards(session, _province(province), actor="cli"))


@main.command("seed-demo")
def seed_demo() -> None:
    """Load demo units, one user per role (password 'demo') and a few demo cases. Safe to run twice."""
    with transaction(_factory()) as session:
        units = demo.seed_units(session)
        users = demo.seed_users(session, hash_password)
        cases = demo.seed_cases_once(session)
    click.echo(f"demo data: {units} units, {users} users, {len(cases)} cases added")
    for line in cases:
        click.echo(f"  {line}")


def _start_contact_erasure(factory, stop: threading.Event, settings: Settings) -> None:
    """Reporter contact erased a set time after a case closes (engine.privacy), in a daemon thread."""
    days = settings.contact_retention_days
    threading.Thread(target=privacy.run_forever, args=(factory, stop, days), name="contact-erasure",
                     daemon=True).start()
    click.echo(f"reporter contact erased {days} days after a case closes")


def _start_mail_sender(factory, stop: threading.Event, settings: Settings, poll: float) -> None:
    """The e-mail sender when SMTP is configured (RR_SMTP_HOST), in a daemon thread."""
    smtp = settings.smtp
    if smtp is None:
        click.echo("e-mail sending is off (set RR_SMTP_HOST); e-mails wait in the outbox")
        return
    threading.Thread(target=outbox.run_forever, args=(factory, smtp, stop, poll), name="mail-sender",
                     daemon=True).start()
    click.echo(f"e-mail sender running via {smtp.host}:{smtp.port}")


def _start_workers(factory, stop: threading.Event, settings: Settings) -> None:
    """The timer worker, the contact erasure and the e-mail sender, as daemon threads."""
    poll = settings.timer_poll_seconds
    _start_contact_erasure(factory, stop, settings)
    threading.Thread(target=timers.run_forever, args=(factory, stop, poll), name="timer-worker", daemon=True).start()
    click.echo(f"timer worker running (poll every {poll:g} s)")
    _start_mail_sender(factory, stop, settings, poll)


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
        _start_workers(app.extensions["rr_sessions"], stop, app.extensions["rr_settings"])
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        stop.set()


@main.command("worker")
@click.option("--poll", type=float, default=None, help="Seconds between sweeps (RR_TIMER_POLL_SECONDS).")
def worker(poll: float | None) -> None:
    """Run the timer worker (deadlines, reminders, escalations), the e-mail sender and the erasure of expired
    reporter contact until stopped."""
    stop = threading.Event()
    settings = _settings()
    factory = _factory()
    poll = poll or settings.timer_poll_seconds
    _start_contact_erasure(factory, stop, settings)
    _start_mail_sender(factory, stop, settings, poll)
    click.echo("timer worker started; Ctrl+C to stop")
    try:
        timers.run_forever(factory, stop, poll)
    except KeyboardInterrupt:
        stop.set()


@main.group("users")
def users_group() -> None:
    """Staff accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Full name shown in the app.")
@click.option("--role", "roles", multiple=True, required=True,
              help="A role (repeatable): intake, handling_unit, coordinator, inspector, leadership, supervisor, "
                   "process_owner, admin.")
@click.option("--unit", default=None, help="Unit code (ward, inspectorate, agency); none = department-wide.")
@click.option("--email", default=None)
@click.option("--lang", type=click.Choice(["vi", "en", "default"]), default=None,
              help="Language of the user's pages and e-mails; default = the department's (RR_DEFAULT_LANGUAGE). "
                   "A new user gets vi unless given; an existing one keeps theirs.")
@click.password_option(help="Asked for when not given (at least 8 characters).")
def users_create(username: str, display_name: str, roles: tuple[str, ...], unit: str | None, email: str | None,
                 lang: str | None, password: str) -> None:
    """Create a staff user, or update the one with this USERNAME (roles, unit, e-mail, language, password)."""
    chosen = KEEP_LANGUAGE if lang is None else None if lang == "default" else lang
    with transaction(_factory()) as session:
        user = save_user(session, "cli", username=username, display_name=display_name, roles=list(roles),
                         unit=unit, email=email, password=password, lang=chosen)
        click.echo(f"user {user.username}: roles {', '.join(sorted(user.role_names))}, unit {user.unit_code or '-'}, "
                   f"language {user.lang or 'default'}")


@main.group("timers")
def timers_group() -> None:
    """Timer operations."""


def _instant(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """An ISO 8601 date-time in the years the system accepts (2000–2099), read as request parameters are (without
    an offset: UTC)."""
    if value is None:
        return None
    try:
        return params.parse_datetime(param.opts[0], value, UTC)
    except params.BadParameter as exc:
        raise click.BadParameter(exc.problem, ctx, param) from exc


@timers_group.command("run-once")
@click.option("--now", "at", default=None, metavar="ISO-8601", callback=_instant,
              help="Fire everything due at this instant instead of the current time (e.g. 2026-11-26T09:00:00+07:00; "
                   "years 2000–2099; without an offset: UTC).")
def run_once(at: datetime | None) -> None:
    """Fire every timer that is due, once, and report what happened."""
    factory = _factory()
    if at is None:
        result = timers.run_once(factory)
    else:
        with use_clock(FrozenClock(at)):
            result = timers.run_once(factory)
    click.echo(f"{result.woken} cases woken, {result.fired} timers fired, {len(result.failed)} failed")
    if result.failed:
        click.echo(f"failed cases (recorded, will be retried): {', '.join(map(str, result.failed))}")
        raise SystemExit(1)


@main.group("cases")
def cases_group() -> None:
    """Administrative actions on one case (a runaway case: suspend it, then resume or cancel it)."""


def _actor_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Who does it, for the audit log: a name written as a user name is (`users create`), lower-cased."""
    name = value.strip().lower()
    if not USERNAME.match(name):
        raise click.BadParameter(f"{value!r}: a name of {t('username_format')}", ctx, param)
    return name


def _case_command(action: str, help_text: str):
    @cases_group.command(action, help=help_text)
    @click.argument("case")
    @click.option("--reason", required=True, help="Why (kept in the case timeline and the audit log).")
    @click.option("--by", "actor", default="cli", show_default=True, callback=_actor_name,
                  help="Who does it (for the audit log): a user name or another name written like one.")
    def command(case: str, reason: str, actor: str) -> None:
        action_of = {"suspend": timers.suspend_case, "resume": timers.resume_case, "cancel": timers.cancel_case}
        with transaction(_factory()) as session:
            target = engine_cases.get_case_by_id_or_code(session, case)
            done = action_of[action](session, actor, target.id, reason)
            click.echo(f"case {done.code}: {action} done ({reason.strip()})")
    return command


_case_command("suspend", "Suspend a case (by id or tracking code): no timers fire, no task can be completed.")
_case_command("resume", "Resume a suspended case; timers that fell due meanwhile fire at the next sweep.")
_case_command("cancel", "Cancel a case: it is closed with the outcome \"cancelled\", its tasks and timers removed.")


@main.group("privacy")
def privacy_group() -> None:
    """Personal data: reporter contact is kept for RR_CONTACT_RETENTION_DAYS after a case closes."""


@privacy_group.command("erase-expired")
@click.option("--days", type=click.IntRange(1, privacy.MAX_RETENTION_DAYS), default=None,
              help="Retention in days (default RR_CONTACT_RETENTION_DAYS, else 365).")
def privacy_erase_expired(days: int | None) -> None:
    """Erase the reporter contact of every case closed longer ago than the retention period (audited)."""
    days = days or _settings().contact_retention_days
    factory = _factory()
    erased: list[str] = []
    while True:
        with transaction(factory) as session:
            batch = privacy.erase_expired(session, days, actor="cli")
        erased.extend(batch.erased)
        if batch.checked < privacy.BATCH:
            break
    click.echo(f"reporter contact erased for {len(erased)} case(s) closed more than {days} days ago")
    for code in erased:
        click.echo(f"  {code}")


@main.group("api-clients")
def api_clients_group() -> None:
    """Applications allowed to submit reports through the Open311 API."""


@api_clients_group.command("add")
@click.argument("name")
def api_clients_add(name: str) -> None:
    """Register application NAME and print its API key (shown once; only a hash is stored)."""
    with transaction(_factory()) as session:
        key = citizen.register_client(session, name, "cli")
    click.echo(f"API key for {name}: {key}")
    click.echo("Give it to the application's operators; it cannot be shown again.")


main.add_command(cli_processes.processes)
main.add_command(cli_schedules.schedules)
main.add_command(cli_reports.report)

if __name__ == "__main__":
    main()

