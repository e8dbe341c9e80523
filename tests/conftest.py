"""Shared fixtures: real databases (SQLite file and PostgreSQL), a frozen clock, the deployed procedure."""
from __future__ import annotations

import hashlib
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from engine import schema, versions
from engine.clock import FrozenClock, use_clock
from engine.db import Base, empty_postgres_database, make_engine, make_session_factory, transaction

# Each checkout gets its own test database by default, so two runs (CI, a worktree, a hook) never empty each
# other's tables mid-test.
_CHECKOUT = hashlib.sha1(str(Path(__file__).resolve().parent.parent).encode()).hexdigest()[:8]
PG_URL = os.environ.get("DATABASE_URL_TEST", f"postgresql+psycopg://postgres@127.0.0.1:5432/rr_test_{_CHECKOUT}")
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # a Monday, 08:00 in Ho Chi Minh City

_pg_problem: list[str] = []


def _postgres_engine():
    return empty_postgres_database(PG_URL)


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}")
    schema.upgrade(engine)
    yield engine
    engine.dispose()


def no_postgres(exc: Exception, what: str = "PostgreSQL tests") -> NoReturn:
    """PostgreSQL is not reachable: fail when it is required (RR_REQUIRE_POSTGRES, as in CI), else skip `what`
    loudly (and name the problem in the banner at the end of the run)."""
    if os.environ.get("RR_REQUIRE_POSTGRES"):
        pytest.fail(f"PostgreSQL is required (RR_REQUIRE_POSTGRES is set) but not reachable: {exc}")
    _pg_problem.append(str(exc).splitlines()[0])
    pytest.skip(f"PostgreSQL NOT AVAILABLE — {what} skipped: {exc}")


def require_postgres(what: str) -> None:
    """For tests that make their own databases (the benchmark's): `no_postgres` unless the server answers."""
    try:
        psycopg.connect(make_url(PG_URL).set(drivername="postgresql", database="postgres")
                        .render_as_string(hide_password=False), connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001 - any connection problem means "no PostgreSQL here"
        no_postgres(exc, what)


@pytest.fixture(scope="session")
def postgres_engine():
    try:
        engine = _postgres_engine()
    except Exception as exc:  # noqa: BLE001 - any connection problem means "no PostgreSQL here"
        no_postgres(exc)
    schema.upgrade(engine)
    yield engine
    engine.dispose()


def _truncate(engine) -> None:
    """Empty every table between tests. The audit log refuses deletion (append-only triggers): on PostgreSQL
    the triggers are skipped for this transaction (replica mode, superuser); on SQLite they are dropped and
    created again around the deletion."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                         "AND tbl_name = 'audit_log'")).all()
            for name, _sql in triggers:
                conn.execute(text(f"DROP TRIGGER {name}"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            for _name, sql in triggers:
                conn.execute(text(sql))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(request):
    engine = request.getfixturevalue(f"{request.param}_engine")
    _truncate(engine)
    yield engine


@pytest.fixture
def factory(db_engine):
    """A session factory on a clean database that has the procedure deployed and the test organisation
    (tests/factories.py `organisation`: units and one user per role)."""
    return seeded_factory(db_engine)


def seeded_factory(engine):
    """The test organisation and the procedure on `engine` (emptied by the caller); returns a session factory."""
    from tests.factories import organisation

    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        organisation(session)
        versions.deploy(session, versions.read_bundle(), actor="tests")
    return sessions


@pytest.fixture
def create_unit(factory):
    """create_unit(code=None, name=None, kind=UnitKind.WARD) -> the unit's code, committed."""
    from tests.factories import add_unit

    def make(code=None, name=None, kind="ward") -> str:
        with transaction(factory) as session:
            return add_unit(session, code, name, kind).code
    return make


@pytest.fixture
def create_user(factory):
    """create_user(role=..., unit=..., username=None, email=..., active=..., display_name=...) -> the user
    name, committed. `role` may be a list of roles."""
    from tests.factories import add_user

    def make(role="handling_unit", unit=None, username=None, **details) -> str:
        with transaction(factory) as session:
            return add_user(session, role, unit, username, **details).username
    return make


@pytest.fixture
def create_case(drive):
    """create_case(level=None, received_at=None, ward="ward-ben-thanh", at=..., handling_unit=...,
    agencies=..., reporter=..., **report) -> case id, driven through the engine services
    (tests/factories.py CaseFactory)."""
    from tests.factories import CaseFactory

    return CaseFactory(drive)


@pytest.fixture
def clock():
    frozen = FrozenClock(START)
    with use_clock(frozen):
        yield frozen


@pytest.fixture(scope="session")
def catalogs(tmp_path_factory):
    """The translation catalogs, compiled once per run (so an app under test compiles nothing)."""
    from webui.i18n import compile_catalogs

    return compile_catalogs(tmp_path_factory.mktemp("translations"))


@pytest.fixture
def app_config(tmp_path, catalogs):
    """A test configuration for `create_app`: a temporary instance folder and the compiled catalogs, plus the
    given settings. An app made with it writes nothing outside that folder."""
    def make(**settings):
        return {"INSTANCE_PATH": str(tmp_path / "instance"), "BABEL_TRANSLATION_DIRECTORIES": str(catalogs),
                **settings}
    return make


@pytest.fixture
def drive(factory, clock):
    """Drives cases through the engine services the way staff would (tests/casedriver.py)."""
    from tests.casedriver import CaseDriver

    return CaseDriver(factory, clock)


def pytest_terminal_summary(terminalreporter):
    if _pg_problem:
        terminalreporter.section("PostgreSQL NOT AVAILABLE", sep="!", red=True, bold=True)
        terminalreporter.write_line(f"PostgreSQL tests were SKIPPED: {_pg_problem[0]}", red=True, bold=True)
        terminalreporter.write_line("CI sets RR_REQUIRE_POSTGRES=1, which turns this into a failure.")


def pytest_sessionfinish(session, exitstatus):
    """Stop the rate limiter's expiry timers (the `limits` library's in-memory storage starts a non-daemon
    threading.Timer of 10 ms per app). Under `faketime -f +400d` a timed wait never ends, so those timers would
    keep the finished test run from exiting; cancelling one wakes it at once, whatever the clock."""
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()

