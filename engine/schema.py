"""Schema management through Alembic migrations (the only way the schema changes)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

from .db import Base
from .errors import ValidationError
from .messages import t

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> tuple[str, ...]:
    """Apply the migrations up to `revision` (never back: an earlier one changes nothing); returns the revisions
    the database is at afterwards. A revision Alembic cannot use is a ValidationError with Alembic's message."""
    return _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> tuple[str, ...]:
    return _migrate(engine, command.downgrade, revision)


def current(engine: Engine) -> tuple[str, ...]:
    """The revisions the database is at (empty before the first migration)."""
    with engine.connect() as connection:
        return _heads(connection)


def _migrate(engine: Engine, step, revision: str) -> tuple[str, ...]:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        try:
            step(config, revision)
        except CommandError as exc:  # an unknown revision, a relative step that does not exist
            raise ValidationError(t("migration_refused", detail=str(exc))) from exc
        return _heads(connection)


def _heads(connection: Connection) -> tuple[str, ...]:
    return MigrationContext.configure(connection).get_current_heads()


# Indexes that migrations make only on one database or when an extension is there (PostgreSQL's trigram search
# index, SQLite's FTS5 table and its shadow tables, SQLite's covering index of the cases' agencies for the reports),
# or differently on each (the covering partial index of the citizens' feedback for the ratings: PostgreSQL carries
# the json detail as an included column), so the models leave them out.
DATABASE_ONLY_INDEXES = frozenset({"ix_case_search_texts_body_trgm", "ix_cases_level_received_agencies",
                                   "ix_case_events_feedback"})
DATABASE_ONLY_TABLE_PREFIX = "case_search_fts"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Whether autogenerate compares this object (not the optional, database-only search indexes)."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "index":
        return name not in DATABASE_ONLY_INDEXES
    return not (type_ == "table" and name.startswith(DATABASE_ONLY_TABLE_PREFIX))


def differences(engine: Engine) -> list:
    """What differs between the models and the migrated database (empty when they agree)."""
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_object": include_object}
        return compare_metadata(MigrationContext.configure(connection, opts=opts), Base.metadata)
