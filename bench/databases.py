"""Fresh benchmark databases: an SQLite file and a PostgreSQL database, migrated, seeded and deployed.

Each measurement that needs an empty database calls `reset`; nothing here touches the application's own
database (instance/) or the test database.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from engine import demo, schema, versions
from engine.db import empty_postgres_database, make_engine, make_session_factory, normalize_url, transaction
from engine.models import Unit, UnitKind

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rr_bench"
# The bulk-loaded cases are spread over this many wards (ward-b01 … ward-b50), besides the demo wards.
BENCH_WARDS = [f"ward-b{n:02d}" for n in range(1, 51)]


@dataclass
class Backend:
    """One database under test: its engine, a session factory and the deployed version of the procedure."""

    name: str  # "sqlite" | "postgresql"
    url: str
    engine: Engine
    factory: sessionmaker[Session]
    version_id: int

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"


def sqlite_backend(folder: Path) -> Backend:
    path = folder / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return _prepare("sqlite", f"sqlite:///{path}")


def check_postgres(url: str) -> str | None:
    """None when the PostgreSQL server of `url` answers, else why not (one line)."""
    admin = make_engine(make_url(normalize_url(url)).set(database="postgres").render_as_string(hide_password=False),
                        connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any connection problem means "not reachable"
        return str(exc).strip().splitlines()[0]
    finally:
        admin.dispose()


def postgres_backend(url: str) -> Backend:
    """Create the database if it is missing, then start from an empty schema."""
    url = normalize_url(url)
    empty_postgres_database(url).dispose()
    return _prepare("postgresql", url)


def reset(backend: Backend) -> Backend:
    """The same database, empty again (migrated, seeded, procedure deployed)."""
    backend.engine.dispose()
    if backend.is_postgres:
        return postgres_backend(backend.url)
    return sqlite_backend(Path(make_url(backend.url).database).parent)


def _prepare(name: str, url: str) -> Backend:
    engine = make_engine(url)
    schema.upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        demo.seed_units(session)
        demo.seed_users(session)
        session.add_all(Unit(code=code, name=f"UBND phường {code}", kind=UnitKind.WARD.value)
                        for code in BENCH_WARDS)
        version = versions.deploy(session, versions.read_bundle(), actor="bench")
        version_id = version.id
    return Backend(name, url, engine, factory, version_id)


def analyze(backend: Backend) -> None:
    """After a bulk load, vacuum PostgreSQL's tables and refresh its planner statistics as autovacuum soon would
    (the visibility map lets the report queries read their covering indexes alone). SQLite is left as the
    application leaves it (it never runs ANALYZE), so its plans are the ones production gets."""
    if backend.is_postgres:
        with backend.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
