"""Database plumbing: declarative base with a naming convention, engine and session factories.

The engine's services never commit: they receive a Session and flush. Whoever owns the unit of work
(a web request, a worker job, a CLI command) commits or rolls back, via `transaction()`.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .errors import EngineError, ValidationError, stale_case_conflict
from .messages import t
from .settings import Settings, session_info

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def sqlite_file_url(instance_path: str | os.PathLike[str] = "instance") -> str:
    """The embedded default database: an SQLite file in the instance folder (the folder is made when an engine
    is first created on it, not when the URL is computed)."""
    return f"sqlite:///{Path(instance_path).resolve() / 'rapid_response.sqlite3'}"


def normalize_url(url: str) -> str:
    """Accept the common `postgres://` / `postgresql://` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    url = normalize_url(url)
    kwargs.setdefault("json_serializer", _json_text)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)  # the embedded default's instance folder
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(url, **kwargs)
    event.listen(engine, "before_cursor_execute", _refuse_nul_characters)
    event.listen(engine, "handle_error", _engine_error_as_is)
    return engine


def _engine_error_as_is(context) -> Exception | None:
    """An engine error raised while a statement's values were bound (the JSON guard below) reaches the caller as
    itself, as one raised before the statement is sent does, not wrapped in SQLAlchemy's StatementError."""
    found = context.original_exception
    return found if isinstance(found, EngineError) else None


def _refuse_nul_characters(_conn, _cursor, _statement, parameters, _context, executemany) -> None:
    """Text with a NUL character is bad input on every backend (PostgreSQL cannot even store or compare it):
    a ValidationError (HTTP 422/400), never a driver error."""
    for row in (parameters if executemany else [parameters]):
        values = row.values() if isinstance(row, dict) else row if isinstance(row, list | tuple) else [row]
        for value in values:
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError(t("nul_character"))


# In JSON text a NUL character is written as the escape \u0000 (an odd number of backslashes before it; an even
# number is a backslash the person typed, followed by the letters u0000).
_ESCAPED_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _json_text(value: Any) -> str:
    """JSON columns' text (SQLAlchemy's default serializer) without a NUL character anywhere inside: the same
    ValidationError as for a text column, never stored (PostgreSQL's JSON types refuse it with a driver error)."""
    text = json.dumps(value)
    if "\\u0000" in text and _ESCAPED_NUL.search(text):
        raise ValidationError(t("nul_character"))
    return text


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine, settings: Settings | None = None) -> sessionmaker[Session]:
    """Sessions for one database. The settings (default: `engine.settings.DEFAULTS`) travel with each session;
    services read them with `engine.settings.of(session)`."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=session_info(settings))


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The one transaction owner for a job: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except StaleDataError as exc:  # another transaction changed the same case first (row version)
        session.rollback()
        raise stale_case_conflict() from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive; we store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def empty_postgres_database(url: str) -> Engine:
    """An engine on the PostgreSQL database of `url`, created if missing and emptied (other sessions ended,
    public schema dropped). For tests and the benchmark only: it destroys data."""
    from sqlalchemy import text

    target = make_url(normalize_url(url))
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            else:  # leftovers (an interrupted run, a web server) would block DROP SCHEMA
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": target.database})
    finally:
        admin.dispose()
    engine = make_engine(target.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine
